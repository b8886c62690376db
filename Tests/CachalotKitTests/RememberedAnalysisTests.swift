import Testing
@testable import CachalotKit

/// What `query` remembers about a statement (RememberedAnalysis): its shape
/// through every serializer, when it holds, and the key it lives under.
struct RememberedAnalysisTests {
    static let read = StatementAnalysis(readTables: ["library_author", "auth_user"], writtenTables: [], columns: ["name", "id"],
                                        isReadOnly: true, parameterCount: 1, qualifiedReadTables: ["public.library_author", "public.auth_user"])
    static let stamps: [String: Double] = ["library_author": 1_795_775_931.053213, "auth_user": 1_700_000_000.5]
    static let tables = ["auth_user", "library_author", "library_book"]

    @Test func readsBackThroughPickleAndTheFormatsWithoutTuples() throws {
        let memo = try #require(RememberedAnalysis(Self.read, stamps: Self.stamps, tables: Self.tables))
        for version in 0...5 {
            let back = RememberedAnalysis(try PickleReader.read(try PickleWriter.dumps(memo.value, protocol: version)))
            #expect(back == memo)
        }
        // JSON and msgpack have no tuples: lists come back.
        #expect(RememberedAnalysis(try DjangoJSON.loads(try DjangoJSON.dumps(memo.value))) == memo)
        #expect(RememberedAnalysis(try MessagePack.loads(try MessagePack.dumps(memo.value))) == memo)
        #expect(memo.analysis.readTables == Self.read.readTables && memo.analysis.qualifiedReadTables == Self.read.qualifiedReadTables)
    }

    @Test func onlyACachableReadOfTablesIsRemembered() {
        var write = Self.read
        write.isReadOnly = false
        var uncertain = Self.read
        uncertain.tablesCertain = false
        var function = Self.read
        function.uncachableReason = "it calls f()"
        var throughView = Self.read
        throughView.readsBeyondTables = true
        for analysis in [write, uncertain, function, throughView] {
            #expect(RememberedAnalysis(analysis, stamps: Self.stamps, tables: Self.tables) == nil)
        }
        // library_author is a view here (not among the tables introspection lists).
        #expect(RememberedAnalysis(Self.read, stamps: Self.stamps, tables: ["auth_user"]) == nil)
    }

    @Test func holdsWhileEveryTableKeepsItsStamp() throws {
        let memo = try #require(RememberedAnalysis(Self.read, stamps: Self.stamps, tables: Self.tables))
        let same: [String: Double?] = ["library_author": 1_795_775_931.053213, "auth_user": 1_700_000_000.5]
        #expect(memo.holds(for: ["library_author", "auth_user"], current: same))
        var invalidated = same
        invalidated["auth_user"] = 1_700_000_000.6
        #expect(!memo.holds(for: ["library_author", "auth_user"], current: invalidated))
        var evicted = same
        evicted["auth_user"] = .some(nil)
        #expect(!memo.holds(for: ["library_author", "auth_user"], current: evicted))
        // A table the settings add now (CACHALOT_ADDITIONAL_TABLES) was not remembered.
        #expect(!memo.holds(for: ["library_author", "auth_user", "extra"], current: same.merging(["extra": 1]) { $1 }))
    }

    @Test func otherShapesUnderTheKeyAreIgnored() {
        #expect(RememberedAnalysis(nil) == nil)
        #expect(RememberedAnalysis(.tuple([.float(1), .list([])])) == nil)
        #expect(RememberedAnalysis(.tuple([.string("cachalot-analysis-0"), .list([]), .list([]), .list([]), .int(0), .list([])])) == nil)
    }

    @Test func theKeyNamesTheDatabaseAndIsNeverDjangosOrTheCommandLinesEntry() {
        let key = QueryKey(databaseAlias: "default", sql: "SELECT 1", parameters: [])
        var database = DatabaseSettings(alias: "default", engine: .postgresql, engineName: "django.db.backends.postgresql", name: "site")
        database.options = ["options": .string("-c search_path=a"), "sslmode": .string("require"), "nested": .table(["b": .int(1), "a": .null])]
        let identity = database.identity
        #expect(key.analysisKey(database: identity) != key.cachalotKey && key.analysisKey(database: identity) != key.commandLineKey)
        // The same in every run: tables are written by sorted key, not in the dictionary's (seeded) order.
        #expect(identity.contains("{'nested':{'a':null,'b':1},'options':'-c search_path=a','sslmode':'require'}"))
        for change in [{ (d: inout DatabaseSettings) in d.port = "5433" }, { $0.user = "other" }, { $0.searchPath = ["tenant1", "public"] },
                       { $0.options["sslmode"] = .string("disable") }, { $0.name = "other" }] as [(inout DatabaseSettings) -> Void] {
            var other = database
            change(&other)
            #expect(key.analysisKey(database: other.identity) != key.analysisKey(database: identity))
        }
        var password = database
        password.password = "changed"
        #expect(password.identity == identity)
    }
}
