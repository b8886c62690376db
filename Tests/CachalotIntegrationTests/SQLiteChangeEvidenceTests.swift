import CachalotTestSupport
import Testing
@testable import CachalotKit

/// `sync`'s evidence read from a real SQLite file.
struct SQLiteChangeEvidenceTests {
    /// SQLite names tables without regard to ASCII case, and MODELS may say
    /// "foo" of a table created as "Foo": its columns and its high-water
    /// mark are still found, so an insert undone by a delete moves the token.
    @Test func aTableNamedInAnotherCaseHasEvidence() throws {
        let site = try TestDatabase<SQLiteFiles>("""
        CREATE TABLE Foo (id integer PRIMARY KEY AUTOINCREMENT, v integer);
        INSERT INTO Foo (v) VALUES (1);
        """)
        func token() throws -> String? { try SQLiteDatabase(settings: site.settings()).changeEvidence(of: ["foo"]).tokens["foo"] }
        let before = try #require(try token())
        #expect(before.hasSuffix(":1"), "\(before): the high-water mark is read")
        _ = try site.run("INSERT INTO foo (v) VALUES (2); DELETE FROM foo WHERE v = 2;")
        let after = try #require(try token())
        #expect(after != before)
    }
}
