import CachalotTestSupport
import Testing
@testable import CachalotKit

/// MySQLDatabase against a real MariaDB server: text sent and read in the
/// connection's charset as mysqlclient does (or refused), parameters as
/// str literals, analysis that never changes data, and the tables a
/// statement reads or writes never fewer than it really does.
struct MySQLTextAndTablesTests {
    @Test func latin1IsEncodedEscapedAndDecodedAsMysqlclientDoes() throws {
        let site = try TestDatabase<MariaDBServer>("CREATE TABLE word (id int AUTO_INCREMENT PRIMARY KEY, name varchar(40)) CHARACTER SET utf8mb4")
        let database = try site.open(options: ["charset": .string("latin1")])
        _ = try database.write("INSERT INTO word (name) VALUES (%s), ('é€')", parameters: ["naïve 'q' \\"])
        // The server holds the text itself (UTF-8 bytes here), not UTF-8 read as latin1.
        #expect(try site.run("SELECT group_concat(HEX(name) ORDER BY id) FROM word") == "6E61C3AF766520277127205C,C3A9E282AC")
        #expect(try database.read("SELECT name FROM word WHERE name = %s", parameters: ["naïve 'q' \\"]) == [[.string("naïve 'q' \\")]])
        #expect(try database.read("SELECT name FROM word WHERE name LIKE 'é%%'", parameters: []) == [[.string("é€")]])
        // Python's cp1252 cannot encode ☃ (UnicodeEncodeError) nor decode 0x81: nothing is run, or the read fails.
        let snowman = caughtError { _ = try database.write("INSERT INTO word (name) VALUES (%s)", parameters: ["☃"]) }
        #expect(snowman?.exitCode == .usage && snowman?.message.contains("latin1") == true, "\(String(describing: snowman))")
        #expect(caughtError { _ = try database.read("SELECT name FROM word WHERE name = '☃'", parameters: []) }?.exitCode == .usage)
        #expect(try site.run("SELECT count(*) FROM word") == "2")
        let undecodable = caughtError { _ = try database.read("SELECT CONVERT(_latin1 X'81' USING utf8mb4)", parameters: []) }
        #expect(undecodable?.message.contains("cp1252") == true, "\(String(describing: undecodable))")
    }

    /// gbk: cachalot does not reproduce Python's codec, so query is refused
    /// before anything runs (a `'` after a lead byte would otherwise escape
    /// its backslash); table names still read for invalidate.
    @Test func anotherCharsetRefusesQueriesButListsTables() throws {
        let site = try TestDatabase<MariaDBServer>("CREATE TABLE word (name varchar(40)) CHARACTER SET utf8mb4; INSERT INTO word VALUES ('a'), ('b');")
        let database = try site.open(options: ["charset": .string("gbk")])
        #expect(try database.tableNames() == ["word"])
        let attack = "\u{7E0}' OR 1=1 -- "
        for failure in [caughtError { _ = try database.write("DELETE FROM word WHERE name = %s", parameters: [attack]) },
                        caughtError { _ = try database.read("SELECT name FROM word WHERE name = %s", parameters: [attack]) },
                        caughtError { _ = try database.analyze("SELECT name FROM word WHERE name = %s", parameters: [attack]) }] {
            #expect(failure?.exitCode == .usage && failure?.message.contains("charset \"gbk\"") == true, "\(String(describing: failure))")
        }
        #expect(try site.run("SELECT count(*) FROM word") == "2")
    }

    /// A --param is a str, as the query key hashes it: '0', never 0 (which
    /// MySQL compares numerically, matching 'abc').
    @Test func parametersAreQuotedStrings() throws {
        let site = try TestDatabase<MariaDBServer>("CREATE TABLE word (id int, name varchar(40)); INSERT INTO word VALUES (1, 'abc'), (2, '0');")
        let database = try site.open()
        #expect(try database.read("SELECT id FROM word WHERE name = %s", parameters: ["0"]) == [[.int(2)]])
        #expect(try database.read("SELECT id FROM word WHERE id = %s", parameters: ["1"]) == [[.int(1)]])
        #expect(try database.read("SELECT %s", parameters: ["5"]) == [[.string("5")]])
    }

    /// A stored function with side effects: analysing a statement that
    /// calls it (what query --peek does) inserts nothing, and the statement
    /// is never cachable (the function's tables are unknown).
    @Test func analysisNeverChangesDataAndFunctionsAreUncachable() throws {
        let site = try TestDatabase<MariaDBServer>("""
            CREATE TABLE shop_item (id int, name text); INSERT INTO shop_item VALUES (1, 'a'), (2, 'b');
            CREATE TABLE ShopGadget (id int); CREATE TABLE side_log (id int AUTO_INCREMENT PRIMARY KEY);
            CREATE FUNCTION Gadget_Total() RETURNS int READS SQL DATA RETURN (SELECT count(*) FROM ShopGadget);
            CREATE VIEW counted AS SELECT gadget_total() AS n;
            DELIMITER //
            CREATE FUNCTION bump() RETURNS int DETERMINISTIC MODIFIES SQL DATA BEGIN INSERT INTO side_log VALUES (NULL); RETURN 1; END//
            """)
        let database = try site.open()
        for sql in ["SELECT name, gadget_total() FROM shop_item", "SELECT n FROM counted"] {
            let analysis = try database.analyze(sql, parameters: [])
            #expect(analysis.isReadOnly && !analysis.tablesCertain && analysis.uncachableReason?.contains("stored function") == true, "\(sql)")
        }
        // One that writes is a write (query refuses it without --write), and it may write anything.
        for sql in ["SELECT name, bump() FROM shop_item", "SELECT name FROM shop_item WHERE id = bump()"] {
            let analysis = try database.analyze(sql, parameters: [])
            #expect(!analysis.isReadOnly && Set(analysis.writtenTables) == ["shop_item", "ShopGadget", "side_log", "counted"], "\(sql)")
        }
        #expect(try site.run("SELECT count(*) FROM side_log") == "0")
    }

    @Test func tablesReadThroughFoldedSubqueriesAndTemptableViews() throws {
        let site = try TestDatabase<MariaDBServer>("""
            CREATE TABLE shop_item (id int, name text); INSERT INTO shop_item VALUES (1, 'a');
            CREATE TABLE ShopGadget (id int); INSERT INTO ShopGadget VALUES (1);
            CREATE ALGORITHM=TEMPTABLE VIEW gadget_count AS SELECT count(*) AS n FROM ShopGadget;
            """)
        let database = try site.open()
        let folded = try database.analyze("SELECT name FROM shop_item WHERE EXISTS (SELECT 1 FROM `ShopGadget`)", parameters: [])
        #expect(Set(folded.readTables) == ["shop_item", "ShopGadget"] && folded.tablesCertain)
        #expect(Set(try database.analyze("SELECT n FROM gadget_count", parameters: []).readTables) == ["gadget_count", "ShopGadget"])
    }

    /// query --write: mixed-case tables are found; when more may change
    /// than the text names (a trigger, a cascading foreign key, a routine),
    /// every relation is invalidated.
    @Test func writtenTablesAreNeverFewerThanWritten() throws {
        let site = try TestDatabase<MariaDBServer>("""
            CREATE TABLE ShopGadget (id int PRIMARY KEY, name text);
            CREATE TABLE shop_parent (id int PRIMARY KEY) ENGINE=InnoDB;
            CREATE TABLE shop_child (id int, parent_id int, FOREIGN KEY (parent_id) REFERENCES shop_parent (id) ON DELETE CASCADE) ENGINE=InnoDB;
            CREATE TABLE shop_audit (id int); CREATE TABLE shop_logged (id int);
            CREATE TRIGGER logged_insert AFTER INSERT ON shop_logged FOR EACH ROW INSERT INTO shop_audit VALUES (NEW.id);
            CREATE PROCEDURE touch() MODIFIES SQL DATA UPDATE ShopGadget SET name = 'x';
            """)
        let database = try site.open()
        func written(_ sql: String) throws -> Set<String> { Set(try database.analyze(sql, parameters: []).writtenTables) }
        #expect(try written("UPDATE ShopGadget SET name = 'a'") == ["ShopGadget"])
        #expect(try written("update `ShopGadget` set name = 'a'") == ["ShopGadget"])
        #expect(try written("DELETE FROM shop_audit") == ["shop_audit"])
        let everything: Set<String> = ["ShopGadget", "shop_parent", "shop_child", "shop_audit", "shop_logged"]
        #expect(try written("DELETE FROM shop_parent") == everything)
        #expect(try written("INSERT INTO shop_logged VALUES (1)") == everything)
        #expect(try written("CALL touch()") == everything)
    }
}
