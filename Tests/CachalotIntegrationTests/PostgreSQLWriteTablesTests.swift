import CachalotTestSupport
import Testing
@testable import CachalotKit

/// `query --write` on PostgreSQL names every table a statement wrote as
/// Django keys it, whatever the text calls it: mixed case, another schema,
/// a partition (and the tables it belongs to), a dropped table, tables a
/// cascade or a trigger wrote.
struct PostgreSQLWriteTablesTests {
    let site: TestDatabase<PostgreSQLServer>
    let database: Database

    init() throws {
        site = try TestDatabase("""
            CREATE TABLE "ShopGadget" (id int PRIMARY KEY);
            CREATE SCHEMA other;
            CREATE TABLE other.pgx_shelf (id int);
            CREATE TABLE pgx_event (id int, at date) PARTITION BY RANGE (at);
            CREATE TABLE pgx_event_2024 PARTITION OF pgx_event FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY RANGE (at);
            CREATE TABLE ev_three PARTITION OF pgx_event_2024 FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
            CREATE TABLE shop_part (id int PRIMARY KEY);
            CREATE TABLE shop_piece (id int, part_id int REFERENCES shop_part ON DELETE CASCADE);
            CREATE TABLE shop_log (n int);
            CREATE FUNCTION log_piece() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO shop_log VALUES (1); RETURN NULL; END $$;
            CREATE TRIGGER logged AFTER DELETE ON shop_piece FOR EACH ROW EXECUTE FUNCTION log_piece();
            INSERT INTO shop_part VALUES (1); INSERT INTO shop_piece VALUES (1, 1);
            """)
        database = try site.open()
    }

    func written(_ sql: String) throws -> Set<String> {
        Set(try database.write(sql, parameters: []).laterTables)
    }

    @Test func truncateAndDDLNameTheTableAsDjangoKeysIt() throws {
        #expect(try written(#"TRUNCATE "ShopGadget""#) == ["ShopGadget"])
        #expect(try written("TRUNCATE other.pgx_shelf") == ["other.pgx_shelf"])
        #expect(try database.write("ALTER TABLE other.pgx_shelf ADD COLUMN n int", parameters: []).laterQualifiedTables == ["other.pgx_shelf"])
        #expect(try written("TRUNCATE ev_three") == ["ev_three", "pgx_event_2024", "pgx_event"])
        #expect(try written("INSERT INTO ev_three VALUES (1, '2024-03-02')").isSuperset(of: ["ev_three", "pgx_event_2024", "pgx_event"]))
        #expect(try written("DROP TABLE ev_three") == ["ev_three", "pgx_event_2024", "pgx_event"])
    }

    @Test func cascadesAndTriggersAreWritesToo() throws {
        #expect(try written("DELETE FROM shop_part") == ["shop_part", "shop_piece", "shop_log"])
    }
}
