@testable import CachalotKit
import Testing

/// The watch loop without a process: a scripted clock and wake-ups, a
/// store whose table keys the test moves, a change feed the test fires.
struct WatchLoopTests {
    static let book = TableKey(databaseAlias: "default", table: "catalogue_books")

    final class Feed: ChangeFeed {
        var descriptors: [Int32] { [7] }
        var announces = true
        func drain(readable: Set<Int32>) throws -> Bool { announces }
    }

    /// A cache whose stored times the test sets; `unread` keys are behind a
    /// dead server; `feed`, when given, makes it announce its writes.
    final class Store: TableKeyReader, ChangeFeedSource {
        var times: [String: Double] = [:]
        var unread: Set<String> = []
        let feed: Feed?
        init(feed: Feed?) { self.feed = feed }

        func inspectTimestamps(_ keys: [String]) throws -> [String: StoredTimestamp] {
            let stored = times.filter { !unread.contains($0.key) }.mapValues(StoredTimestamp.time)
            guard unread.isEmpty else { throw PartialReadFailure(stored: stored, unread: unread, error: .runtime("server b: refused")) }
            return stored
        }

        func openChangeFeed(keys: [String], enabling: KeyspaceNotificationChanges?) throws -> Result<ChangeFeed, ChangeFeedUnavailable> {
            feed.map { .success($0) } ?? .failure(ChangeFeedUnavailable("notifications are off", canBeEnabled: true))
        }
    }

    /// Each wait runs the next step of the script (which may move the
    /// store), advances the clock by what was asked, and wakes as told.
    final class Environment: WatchEnvironment {
        var clock = 0.0
        var steps: [() -> WatchWake]
        var events: [WatchEvent] = []
        var warnings: [String] = []
        var notes: [String] = []
        var summaries = 0
        init(_ steps: [() -> WatchWake]) { self.steps = steps }

        func now() -> Double { clock }
        func wait(seconds: Double, sockets: [Int32]) -> WatchWake {
            guard !steps.isEmpty else { return .stop }
            let wake = steps.removeFirst()()
            if wake == .timeout { clock += seconds }
            return wake
        }
        func open(_ cache: CacheSettings) throws -> TableKeyReader { throw CachalotError.runtime("not reopened in these tests") }
        var canContinue: Bool { true }
        func invalidation(_ event: WatchEvent) { events.append(event) }
        func warning(_ text: String) { warnings.append(text) }
        func note(_ text: String) { notes.append(text) }
        func summary(_ tables: [WatchTableSummary], seconds: Double, pollMilliseconds: [Double], final: Bool) { summaries += 1 }
    }

    func watch(_ store: Store, _ environment: Environment, following: () -> Void = {}) throws -> [String] {
        let plan = WatchPlan(caches: [CacheSettings(alias: "default", backend: .redis, locations: ["redis://a/0"])],
                             keys: [Self.book], models: [Self.book: ["library.Book"]], skippedCaches: [], failures: [], notices: [])
        var loop = WatchLoop(plan: plan, stores: [store], environment: environment, interval: 1)
        let hows = try loop.openFeeds()
        loop.run(for: nil, following: following)
        return hows
    }

    /// `following`, where the command says "watching", comes after the
    /// first read: a write made then is reported, not taken as the baseline
    /// (it was, when the note came before the read).
    @Test func aWriteOnceFollowingIsReported() throws {
        let store = Store(feed: nil)
        store.times[Self.book.cachalotKey] = 100
        var followed = 0
        let environment = Environment([{ .timeout }])
        _ = try watch(store, environment) {
            followed += 1
            store.times[Self.book.cachalotKey] = 200
        }
        #expect(followed == 1)
        #expect(environment.events.map(\.time) == [200])
        #expect(environment.events.first?.previous == 100)
    }

    @Test func anAnnouncedWriteIsReadAndReportedOnce() throws {
        let store = Store(feed: Feed())
        store.times[Self.book.cachalotKey] = 100
        let environment = Environment([{ store.times[Self.book.cachalotKey] = 200; return .readable([7]) }])
        let hows = try watch(store, environment)
        #expect(hows.first?.hasPrefix("Redis keyspace notifications") == true)
        #expect(environment.events.map(\.time) == [200])
        #expect(environment.events.first?.previous == 100)
        #expect(environment.events.first?.models == ["library.Book"])
        #expect(environment.summaries == 1)
    }

    @Test func aScheduledReadFindingUnannouncedNewsSwitchesToPolling() throws {
        let feed = Feed()
        feed.announces = false
        let store = Store(feed: feed)
        store.times[Self.book.cachalotKey] = 100
        let environment = Environment([{ store.times[Self.book.cachalotKey] = 300; return .readable([7]) }, { .timeout }])
        _ = try watch(store, environment)
        #expect(environment.events.map(\.time) == [300])
        #expect(environment.warnings.contains { $0.contains("from now on: a read found invalidations no notification announced") })
    }

    @Test func aStoreWithoutAFeedIsPolledAndSaysHowToTurnItOn() throws {
        let store = Store(feed: nil)
        store.times[Self.book.cachalotKey] = 100
        let environment = Environment([{ store.times[Self.book.cachalotKey] = 150; return .timeout }])
        let hows = try watch(store, environment)
        #expect(hows == ["polling every 1.000 s (notifications are off; --enable-notifications turns them on)"])
        #expect(environment.events.map(\.time) == [150])
    }

    @Test func whatChangedBehindADeadServerIsReportedWhenItAnswers() throws {
        let store = Store(feed: nil)
        store.times[Self.book.cachalotKey] = 100
        let environment = Environment([
            { store.unread = [Self.book.cachalotKey]; return .timeout },
            { store.times[Self.book.cachalotKey] = 180; return .timeout },
            { store.unread = []; return .timeout },
        ])
        _ = try watch(store, environment)
        #expect(environment.warnings.count == 1 && environment.warnings[0].contains("following its other servers"))
        #expect(environment.notes == ["cache 'default' answers again; what changed meanwhile follows"])
        #expect(environment.events.map(\.time) == [180])
        #expect(environment.events.first?.gap == 80)
    }
}
