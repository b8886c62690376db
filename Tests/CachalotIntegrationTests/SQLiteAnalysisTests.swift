import Foundation
import Testing
@testable import CachalotKit

/// SQLite's authorizer finds the tables a statement reads, through joins,
/// subqueries, CTEs and views, on a real database file.
struct SQLiteAnalysisTests {
    let path: String
    let database: SQLiteDatabase

    init() throws {
        path = NSTemporaryDirectory() + "cachalot-analysis-" + UUID().uuidString + ".sqlite3"
        var handle: OpaquePointer?
        _ = path.withCString { sqlite3_shim_open($0, &handle) }
        database = try SQLiteDatabase(settings: DatabaseSettings(alias: "default", engine: .sqlite,
                                                                 engineName: "django.db.backends.sqlite3", name: path))
    }

    @Test(arguments: [
        ("SELECT b.title FROM book b JOIN author a ON a.id = b.author_id", ["book", "author"]),
        ("SELECT title FROM book WHERE author_id IN (SELECT id FROM author WHERE name = %s)", ["book", "author"]),
        ("WITH recent AS (SELECT * FROM loan) SELECT count(*) FROM recent", ["loan"]),
        ("SELECT * FROM book_titles", ["book"]),
    ] as [(String, [String])])
    func readTables(sql: String, tables: [String]) throws {
        #expect(Set(try database.analyze(sql).readTables) == Set(tables))
    }

    @Test func writesAreSeenAndRolledBackOnFailure() throws {
        let analysis = try database.analyze("UPDATE book SET title = %s WHERE id = %s")
        #expect(analysis.writtenTables == ["book"])
        #expect(!analysis.isReadOnly)
        #expect(try database.write("UPDATE book SET title = %s WHERE id = %s", parameters: [.text("New"), .integer(1)]) == 1)
        #expect(try database.read("SELECT title FROM book WHERE id = %s", parameters: [.integer(1)]) == [[.text("New")]])
        #expect(throws: CachalotError.self) {
            try database.write("INSERT INTO book (id, title) VALUES (%s, %s)", parameters: [.integer(1), .text("duplicate id")])
        }
        #expect(try database.read("SELECT count(*) FROM book", parameters: []) == [[.integer(2)]])
    }
}
