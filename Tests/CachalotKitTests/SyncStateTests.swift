import Testing
@testable import CachalotKit

/// What sync decides from saved and found evidence, and the saved form.
struct SyncStateTests {
    static let found = ChangeEvidence(epoch: "reset 1", tokens: ["a": "1:0:0:10", "b": "5:1:0:11", "v": "x|1:0:0:10"],
                                      limits: "")

    @Test func onlyTablesWhoseEvidenceMovedOrIsMissingAreChanged() {
        var saved = SyncState(Self.found)
        saved.tokens["b"] = "4:1:0:11"
        saved.tokens["gone"] = "1"
        let (reason, changed) = SyncState.changes(from: saved, to: Self.found, tables: ["a", "b", "v", "new", "blind"])
        #expect(reason == .evidence)
        // "new" has no saved token, "blind" no evidence at all: never trusted.
        #expect(changed == ["b", "new", "blind"])
    }

    @Test func noSavedStateOrARestartedEpochMeansEveryTable() {
        let tables = ["a", "b", "v"]
        #expect(SyncState.changes(from: nil, to: Self.found, tables: tables) == (.firstRun, tables))
        var saved = SyncState(Self.found)
        saved.epoch = "reset 0"
        #expect(SyncState.changes(from: saved, to: Self.found, tables: tables) == (.evidenceRestarted, tables))
    }

    @Test func theSavedValueReadsBackAndAnythingElseIsNoState() throws {
        let state = SyncState(Self.found)
        #expect(SyncState(value: state.value) == state)
        let pickled = try PickleWriter.dumps(state.value, protocol: 4)
        #expect(SyncState(value: try PickleReader.read(pickled)) == state)
        #expect(SyncState(value: .float(1.5)) == nil)
        #expect(SyncState(value: .dict([PickleDictEntry(key: .string("format"), value: .int(2))])) == nil)
    }
}
