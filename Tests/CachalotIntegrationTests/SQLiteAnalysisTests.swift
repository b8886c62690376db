import CachalotTestSupport
import Testing
@testable import CachalotKit

/// SQLite's authorizer finds the tables a statement reads, through joins,
/// subqueries, CTEs and views, on a real database file.
struct SQLiteAnalysisTests {
    let site: TestDatabase<SQLiteFiles>
    let database: Database

    init() throws {
        site = try TestDatabase("""
            CREATE TABLE author (id integer PRIMARY KEY, name text);
            CREATE TABLE book (id integer PRIMARY KEY, title text, author_id integer);
            CREATE TABLE loan (id integer PRIMARY KEY, book_id integer);
            CREATE VIEW book_titles AS SELECT title FROM book;
            INSERT INTO book (id, title) VALUES (1, 'Old'), (2, 'Other');
            """)
        database = try site.open()
        try #require(try database.tableNames() == ["author", "book", "loan"])
    }

    @Test(arguments: [
        ("SELECT b.title FROM book b JOIN author a ON a.id = b.author_id", ["book", "author"]),
        ("SELECT title FROM book WHERE author_id IN (SELECT id FROM author WHERE name = %s)", ["book", "author"]),
        ("WITH recent AS (SELECT * FROM loan) SELECT count(*) FROM recent", ["loan"]),
        ("SELECT * FROM book_titles", ["book"]),
        ("SELECT 1", []),
    ] as [(String, [String])])
    func readTables(sql: String, tables: [String]) throws {
        #expect(Set(try database.analyze(sql, parameters: []).readTables) == Set(tables))
    }

    @Test func writesAreSeenAndRolledBackOnFailure() throws {
        let analysis = try database.analyze("UPDATE book SET title = %s WHERE id = %s", parameters: [])
        #expect(analysis.writtenTables == ["book"])
        #expect(!analysis.isReadOnly)
        #expect(try database.write("UPDATE book SET title = %s WHERE id = %s", parameters: ["New", "1"]).changedRows == 1)
        #expect(try database.read("SELECT title FROM book WHERE id = %s", parameters: ["1"]) == [[.string("New")]])
        #expect(throws: CachalotError.self) {
            try database.write("INSERT INTO book (id, title) VALUES (%s, %s)", parameters: ["1", "duplicate id"])
        }
        #expect(try database.read("SELECT count(*) FROM book", parameters: []) == [[.int(2)]])
        #expect(try database.read("SELECT title FROM book WHERE id = 1", parameters: []) == [[.string("New")]])
    }
}
