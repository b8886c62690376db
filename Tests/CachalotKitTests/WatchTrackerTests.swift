import Testing
@testable import CachalotKit

/// What `watch` reports from successive reads of the table keys.
struct WatchTrackerTests {
    static let book = TableKey(databaseAlias: "default", table: "catalogue_books")
    static let bookAuthors = TableKey(databaseAlias: "default", table: "catalogue_books_authors")
    static let author = TableKey(databaseAlias: "default", table: "library_author")
    static let keys = [book, bookAuthors, author]

    static func poll(_ times: [TableKey: Double]) -> [String: StoredTimestamp] {
        Dictionary(uniqueKeysWithValues: times.map { ($0.key.cachalotKey, .time($0.value)) })
    }

    var tracker = WatchTracker(keys: keys, models: [book: ["library.Book"], author: ["library.Author"]])

    @Test mutating func theFirstPollIsNotNewsAndOneWriteIsOneGroup() {
        #expect(tracker.observe(cacheAlias: "default", stored: Self.poll([Self.book: 10, Self.author: 10])).isEmpty)
        let events = tracker.observe(cacheAlias: "default", stored: Self.poll([Self.book: 20, Self.bookAuthors: 20, Self.author: 10]))
        #expect(events.map(\.key) == [Self.book, Self.bookAuthors])
        #expect(events.map(\.together) == [2, 2])
        #expect(events.map(\.gap) == [10, nil])
        #expect(events[0].models == ["library.Book"] && events[1].models == [])
        // Two writes between polls: two groups.
        let two = tracker.observe(cacheAlias: "default", stored: Self.poll([Self.book: 25, Self.bookAuthors: 20, Self.author: 26]))
        #expect(two.map(\.together) == [1, 1])
    }

    @Test mutating func aClockStepBackIsStillAnInvalidation() {
        _ = tracker.observe(cacheAlias: "default", stored: Self.poll([Self.author: 100]))
        let events = tracker.observe(cacheAlias: "default", stored: Self.poll([Self.author: 90]))
        #expect(events.map(\.time) == [90])
        #expect(events.first?.gap == -10)
    }

    @Test mutating func aVanishedKeyIsForgottenQuietlyAndItsReturnIsNewsWithTheLastKnownGap() {
        _ = tracker.observe(cacheAlias: "default", stored: Self.poll([Self.author: 100]))
        #expect(tracker.observe(cacheAlias: "default", stored: [:]).isEmpty)
        let back = tracker.observe(cacheAlias: "default", stored: Self.poll([Self.author: 130]))
        #expect(back.map(\.gap) == [30])
    }

    @Test mutating func aKeyWhoseServerIsDownKeepsItsTimeAndItsChangeIsReportedOnReturn() {
        _ = tracker.observe(cacheAlias: "default", stored: Self.poll([Self.author: 100, Self.book: 100]))
        let partial = tracker.observe(cacheAlias: "default", stored: Self.poll([Self.book: 110]), unread: [Self.author.cachalotKey])
        #expect(partial.map(\.key) == [Self.book])
        let back = tracker.observe(cacheAlias: "default", stored: Self.poll([Self.author: 150, Self.book: 110]))
        #expect(back.map(\.key) == [Self.author])
        #expect(back.map(\.gap) == [50])
    }

    @Test mutating func cachesAreTrackedApartAndTheSummaryIsBusiestFirst() {
        for cache in ["default", "other"] {
            _ = tracker.observe(cacheAlias: cache, stored: Self.poll([Self.book: 1, Self.author: 1]))
        }
        for time in [2.0, 3.0, 4.0] {
            _ = tracker.observe(cacheAlias: "default", stored: Self.poll([Self.book: 1, Self.author: time]))
        }
        _ = tracker.observe(cacheAlias: "other", stored: Self.poll([Self.book: 5, Self.author: 1]))
        let summary = tracker.summary(seconds: 120)
        #expect(summary.map(\.cacheAlias) == ["default", "other"])
        #expect(summary.map(\.key) == [Self.author, Self.book])
        #expect(summary.map(\.invalidations) == [3, 1])
        #expect(summary.map(\.perMinute) == [1.5, nil], "one event gives no rate")
    }
}
