/// `sync`'s evidence on PostgreSQL: the statistics' per-table counters
/// of inserted, updated and deleted rows, with the relfilenode (TRUNCATE,
/// VACUUM FULL, CLUSTER and rewrites move it and no counter) and a digest
/// of the columns (renames move neither). A table with
/// children (partitions, INHERITS, TimescaleDB chunks) is read with them:
/// its token is all of theirs. A view's is its definition's digest and the
/// tokens of every table it reads, through other views. Rows the counters
/// cannot see — a foreign table anywhere in that tree, a view that calls a
/// function of the site's own — give no token: always invalidated. The
/// epoch changes when the counters cannot be compared with the saved ones:
/// another database (re-created from a template keeps relfilenodes), a
/// statistics reset, a crash (it moves pg_stat_bgwriter's stats_reset and
/// discards the counters), a restart. PostgreSQL 15 or later: before it,
/// the statistics collector can drop counts (UDP) and keeps an idle
/// session's counts unsent for as long as it stays idle.
extension PostgreSQLDatabase: ChangeEvidenceSource {
    public func changeEvidence(of tables: [String]) throws -> ChangeEvidence {
        let server = try catalogue("""
            SELECT pg_catalog.pg_is_in_recovery()::text, pg_catalog.current_setting('track_counts'),
                   pg_catalog.current_setting('server_version_num'),
                   (SELECT oid::text FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()),
                   coalesce((SELECT stats_reset::text FROM pg_catalog.pg_stat_database
                             WHERE datname = pg_catalog.current_database()), 'never'),
                   coalesce((SELECT stats_reset::text FROM pg_catalog.pg_stat_bgwriter), 'never'),
                   pg_catalog.pg_postmaster_start_time()::text
            """)
        let facts = (server.values.first ?? []).map { $0.map { String(decoding: $0, as: UTF8.self) } ?? "" }
        guard facts.count == 7 else { throw CachalotError.runtime("database '\(settings.alias)': no server statistics came back") }
        if let version = Int(facts[2]), version < 150_000 {
            throw CachalotError.usage("database '\(settings.alias)' runs PostgreSQL \(version / 10_000): before 15 the statistics collector can drop counts and keeps an idle session's counts unsent, so sync could miss a change; nothing was invalidated",
                                      hint: "run cachalot invalidate, or upgrade to PostgreSQL 15 or later")
        }
        if facts[0] == "true" {
            throw CachalotError.usage("database '\(settings.alias)' is a hot standby: its statistics count no change replayed from the primary; nothing was invalidated",
                                      hint: "point the database's HOST at the primary for sync")
        }
        if facts[1] != "on" {
            throw CachalotError.usage("database '\(settings.alias)': track_counts is off, so PostgreSQL counts no change and sync cannot see any; nothing was invalidated",
                                      hint: "turn track_counts on, or run cachalot invalidate")
        }
        // A name is a relation on the search path, or "schema"."name" as a
        // schema-qualified db_table in MODELS writes it.
        let wanted = tables.map { table in (table, Self.qualifiedParts(table)) }
        let names = Self.arrayLiteral(wanted.map { $0.1?.name ?? $0.0 })
        var rows = try catalogue(Self.relationsQuery, parameters: [names])
        // Views need the walk through pg_depend, some 40 ms on its own: only
        // when a wanted relation is one.
        if rows.values.contains(where: { $0.count == 5 && $0[4] == Array("v".utf8) }) {
            rows.values += try catalogue(Self.viewsQuery, parameters: [names]).values
        }
        var visible: [String: String] = [:], qualified: [String: String] = [:]
        for row in rows.values where row.count >= 4 {
            guard let schema = row[0], let name = row[1], let token = row[3] else { continue }
            let (schemaText, nameText) = (String(decoding: schema, as: UTF8.self), String(decoding: name, as: UTF8.self))
            qualified[schemaText + "\u{0}" + nameText] = String(decoding: token, as: UTF8.self)
            if row[2].map({ String(decoding: $0, as: UTF8.self) }) == "true" { visible[nameText] = String(decoding: token, as: UTF8.self) }
        }
        var tokens: [String: String] = [:]
        for (table, parts) in wanted {
            tokens[table] = parts.map { qualified[$0.schema + "\u{0}" + $0.name] } ?? visible[table]
        }
        return ChangeEvidence(epoch: facts[3...].joined(separator: "|"), tokens: tokens,
                              limits: "PostgreSQL counts a write once the writing session flushes its statistics: at once when the session ends, at most about a second late while it runs statements, about 10 s late from an idle persistent connection, and only when it goes idle from a procedure that commits as it works; a later sync finds it")
    }

    /// ("schema", "name") of a `"schema"."name"` db_table; nil for a plain name.
    static func qualifiedParts(_ table: String) -> (schema: String, name: String)? {
        guard table.hasPrefix("\""), table.hasSuffix("\""), let middle = table.firstRange(of: "\".\"") else { return nil }
        let schema = table[table.index(after: table.startIndex)..<middle.lowerBound]
        let name = table[middle.upperBound..<table.index(before: table.endIndex)]
        guard !schema.contains("\""), !name.contains("\"") else { return nil }
        return (String(schema), String(name))
    }

    /// One relation's counters and storage, by the functions behind
    /// pg_stat_all_tables (the view itself costs a pass over every relation),
    /// and a digest of its columns' numbers, names and types: columns renamed
    /// into each other's places move no row, no counter and no file, yet
    /// the site's cached `SELECT "a", "b"` now reads the other values; a
    /// column dropped and added again under its name (its default now in
    /// every row) has a new number. An enum column's labels too: ALTER TYPE
    /// … RENAME VALUE changes what every row reads, and nothing else.
    private static func token(_ relation: String) -> String {
        ["inserted", "updated", "deleted"].map { "pg_catalog.pg_stat_get_tuples_\($0)(\(relation).oid)" }
            .joined(separator: " || ':' || ") + " || ':' || \(relation).relfilenode || ':' || coalesce(("
            + "SELECT pg_catalog.md5(string_agg(a.attnum || ' ' || a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod) || coalesce(("
            + "SELECT ' ' || string_agg(e.enumlabel, ' ' ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = a.atttypid), ''), ',' ORDER BY a.attnum)) "
            + "FROM pg_catalog.pg_attribute a WHERE a.attrelid = \(relation).oid AND a.attnum > 0 AND NOT a.attisdropped), '')"
    }

    /// Name, schema, visibility, token and kind of every wanted table,
    /// partitioned table and materialized view, and of views (token NULL:
    /// `viewsQuery` gives it); a table with children is read with every
    /// descendant (pg_inherits holds partitions and INHERITS alike). Each name is looked up in pg_class's index on
    /// relname: `= ANY($1)`, or a join the planner sizes for ten names,
    /// compares every pair (40 ms at 1,000 tables).
    static let relationsQuery = """
        SELECT n.nspname, c.relname, pg_catalog.pg_table_is_visible(c.oid)::text, CASE
            WHEN c.relkind = 'v' THEN NULL
            WHEN c.relhassubclass THEN (
                WITH RECURSIVE tree(oid) AS (
                    SELECT c.oid
                    UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tree ON i.inhparent = tree.oid)
                SELECT CASE WHEN bool_or(l.relkind = 'f') THEN NULL
                            ELSE string_agg(\(token("l")), ',' ORDER BY l.oid) END
                FROM tree JOIN pg_catalog.pg_class l ON l.oid = tree.oid)
            ELSE \(token("c")) END, c.relkind::text
        FROM (SELECT DISTINCT unnest($1::text[]) AS name) wanted
        CROSS JOIN LATERAL (SELECT * FROM pg_catalog.pg_class c WHERE c.relname = wanted.name::name) c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'm', 'v')
        """

    /// A wanted view's token: its definition's digest and the tokens of
    /// every table it reads, through other views and children too; none
    /// when it reads a foreign table or calls a function of the site's own
    /// (oid 16384 and up: not PostgreSQL's), whose reads pg_depend does not record.
    static let viewsQuery = """
        WITH RECURSIVE reads(view, rel) AS (
            SELECT r.ev_class, d.refobjid FROM pg_catalog.pg_rewrite r
            JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
                 AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> r.ev_class
            UNION
            SELECT reads.view, next.rel FROM reads CROSS JOIN LATERAL (
                SELECT d.refobjid AS rel FROM pg_catalog.pg_rewrite r
                JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
                     AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> r.ev_class
                WHERE r.ev_class = reads.rel
                UNION ALL
                SELECT i.inhrelid FROM pg_catalog.pg_inherits i WHERE i.inhparent = reads.rel) next
        )
        SELECT n.nspname, c.relname, pg_catalog.pg_table_is_visible(c.oid)::text, CASE
            WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_class l
                         WHERE l.relkind = 'f' AND l.oid IN (SELECT reads.rel FROM reads WHERE reads.view = c.oid))
              OR EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite r
                         JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
                         WHERE (r.ev_class = c.oid OR r.ev_class IN (SELECT reads.rel FROM reads WHERE reads.view = c.oid))
                           AND d.refclassid = 'pg_catalog.pg_proc'::regclass AND d.refobjid >= 16384) THEN NULL
            ELSE pg_catalog.md5(pg_catalog.pg_get_viewdef(c.oid)) || '|' || coalesce(
                (SELECT string_agg(\(token("l")), ',' ORDER BY l.oid) FROM pg_catalog.pg_class l
                 WHERE l.oid IN (SELECT reads.rel FROM reads WHERE reads.view = c.oid) AND l.relkind IN ('r', 'm')), '')
            END
        FROM (SELECT DISTINCT unnest($1::text[]) AS name) wanted
        CROSS JOIN LATERAL (SELECT * FROM pg_catalog.pg_class c WHERE c.relname = wanted.name::name) c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'v'
        """
}
