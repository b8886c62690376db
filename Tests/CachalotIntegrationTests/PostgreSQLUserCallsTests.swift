import CachalotTestSupport
import Testing
@testable import CachalotKit

/// A read that calls a function not built into PostgreSQL (directly,
/// through a view or a view over a view, as an aggregate or behind an
/// operator) may read tables its plan never shows: it is never cached.
struct PostgreSQLUserCallsTests {
    @Test func userFunctionsMakeAReadUncachable() throws {
        let site = try TestDatabase<PostgreSQLServer>("""
            CREATE TABLE shop_item (id int, name text);
            CREATE TABLE shop_gadget (id int);
            CREATE FUNCTION gadget_total() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM shop_gadget';
            CREATE FUNCTION "Gadget Count"(int) RETURNS bigint LANGUAGE plpgsql STABLE AS 'BEGIN RETURN (SELECT count(*) FROM shop_gadget); END';
            CREATE FUNCTION in_gadgets(int, int) RETURNS bool LANGUAGE sql STABLE AS 'SELECT EXISTS (SELECT 1 FROM shop_gadget WHERE id = $1)';
            CREATE OPERATOR ### (LEFTARG = int, RIGHTARG = int, FUNCTION = in_gadgets);
            CREATE AGGREGATE gadget_sum(int) (SFUNC = int4pl, STYPE = int);
            CREATE VIEW shop_named AS SELECT name, gadget_total() AS total FROM shop_item;
            CREATE VIEW shop_named_again AS SELECT name, total FROM shop_named;
            """)
        let database = try site.open()
        func reason(_ sql: String) throws -> String? { try database.analyze(sql, parameters: []).uncachableReason }
        #expect(try reason("SELECT name, gadget_total() FROM shop_item")?.contains("gadget_total()") == true)
        #expect(try reason("SELECT * FROM shop_named")?.contains("gadget_total()") == true)
        #expect(try reason("SELECT * FROM shop_named_again")?.contains("gadget_total()") == true)
        #expect(try reason(#"SELECT name FROM shop_item WHERE "Gadget Count"(id) > 0"#)?.contains("Gadget Count()") == true)
        #expect(try reason("SELECT name FROM shop_item WHERE id ### 1")?.contains("operator ###") == true)
        #expect(try reason("SELECT gadget_sum(id) FROM shop_item")?.contains("gadget_sum()") == true)
        #expect(try reason("SELECT * FROM gadget_total()") != nil)
        // Built-in functions and a view that calls none are cachable.
        #expect(try reason("SELECT lower(name), count(*) FROM shop_item GROUP BY 1") == nil)
        #expect(try reason("SELECT name FROM shop_named") == nil, "the planner drops the unused call")
    }

    @Test(arguments: [
        ("lower(x) + \"My Func\"(1) - s.f (2)", ["lower", "My Func"]),
        ("'a(' || x", ["a"]),
        ("\"a\"\"b\"(1)", ["a\"b"]),
    ] as [(String, [String])])
    func calledNamesAreIdentifiersBeforeAParenthesis(text: String, names: [String]) {
        #expect(PostgreSQLUserCalls.calledNames(text) == names)
    }
}
