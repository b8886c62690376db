/// The tables a statement wrote, as the server itself knows them: every
/// relation the transaction holds a lock on in a mode stronger than a
/// read's (AccessShareLock, RowShareLock). DML takes RowExclusiveLock on
/// each table it changes (through triggers, cascades and functions too),
/// TRUNCATE and DDL take stronger modes, whatever the text calls the table
/// (mixed case, schema-qualified, a partition). Each comes with the tables
/// it is a partition of, and is keyed as Django keys it: its bare name when
/// visible on the search_path, "schema.name" otherwise.
struct PostgreSQLWrittenTables {
    typealias Table = (key: String, qualified: String)

    /// Every user relation now, by OID: a statement that drops one leaves
    /// no name for the OID its lock holds.
    private var known: [String: [Table]] = [:]

    /// Before the statement, in its transaction.
    init(before connection: PostgreSQLConnection) throws {
        known = try Self.relations(connection, condition: "TRUE")
    }

    /// After the statement, before the commit that releases its locks.
    func written(after connection: PostgreSQLConnection) throws -> [Table] {
        let locked = try connection.execute("""
            SELECT DISTINCT l.relation::text FROM pg_catalog.pg_locks l
            WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.relation IS NOT NULL
              AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
              AND l.mode NOT IN ('AccessShareLock', 'RowShareLock')
            """).firstColumn
        // Relations the statement created are not in `known`.
        let now = try Self.relations(connection, condition: "k.oid = ANY($1::oid[])",
                                     parameters: ["{" + locked.joined(separator: ",") + "}"])
        return locked.flatMap { now[$0] ?? known[$0] ?? [] }
    }

    /// OID → the relation and the tables it is a partition of, for user
    /// relations (tables, partitioned, foreign, views, materialized views).
    private static func relations(_ connection: PostgreSQLConnection, condition: String,
                                  parameters: [String?] = []) throws -> [String: [Table]] {
        let rows = try connection.execute("""
            WITH k AS (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                       WHERE c.relkind IN ('f', 'm', 'p', 'r', 'v')
                         AND n.nspname NOT IN ('pg_catalog', 'pg_toast', 'information_schema') AND n.nspname NOT LIKE 'pg_temp%'),
            every AS (SELECT k.oid AS origin, k.oid FROM k WHERE \(condition)
                      UNION SELECT k.oid, a.relid FROM k, pg_catalog.pg_partition_ancestors(k.oid) a(relid) WHERE \(condition))
            SELECT every.origin::text,
                   CASE WHEN pg_catalog.pg_table_is_visible(r.oid) THEN r.relname ELSE n.nspname || '.' || r.relname END,
                   n.nspname || '.' || r.relname
            FROM every JOIN pg_catalog.pg_class r ON r.oid = every.oid JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
            """, parameters: parameters)
        var result: [String: [Table]] = [:]
        for row in rows.values {
            guard row.count == 3, let origin = row[0], let key = row[1], let qualified = row[2] else { continue }
            result[String(decoding: origin, as: UTF8.self), default: []]
                .append((String(decoding: key, as: UTF8.self), String(decoding: qualified, as: UTF8.self)))
        }
        return result
    }
}
