import CachalotKit

/// The three renderings of a `StatsReport`.
enum StatsOutput {
    static func text(_ report: StatsReport, now: Double, perTable: Bool, top: Int?, idle: Bool = false, local: Bool = false,
                     terminal: Bool = false) -> String {
        var lines: [String] = []
        for cache in report.caches {
            lines.append("[cache \(cache.alias)]")
            lines.append("backend: \(cache.backend.shortName)")
            lines.append("location: \(cache.location)")
            lines.append("reachable: \(cache.reachable ? "yes" : "no")")
            guard cache.reachable else { lines.append(""); continue }
            for (name, value) in cache.server.info {
                let serverWide = ["evicted_keys", "keyspace_hits", "keyspace_misses"].contains(name) ? " (server-wide)" : ""
                let unit = ["used_memory", "maxmemory"].contains(name) ? "_bytes" : ""
                lines.append("server_\(name)\(unit)\(serverWide): \(value)")
            }
            if let offset = cache.server.clockOffset {
                lines.append("server_clock_offset_seconds: \(TextFormatting.fixed(offset, digits: 3))")
            }
            lines.append("unreachable_servers: \(cache.server.unreachable.count)")
            for server in cache.server.unreachable {
                lines.append("unreachable_server: \(server.address) (\(server.reason))")
            }
            if let reason = cache.unlisted {
                lines.append("entries: not listed (\(reason)); table keys read by name")
            } else {
                for group in EntryGroup.allCases {
                    let stats = cache.stats(of: group)
                    let name = groupName(group)
                    lines += ["\(name): \(stats.count)", "\(name)_bytes: \(stats.bytes)",
                              "\(name)_persistent: \(stats.persistent)", "\(name)_expiring: \(stats.expiring)"]
                }
                if cache.backend == .fileBased { lines.append("expired_files: \(cache.expiredFiles)") }
                lines.append("oldest_query_entry_age_seconds: \(cache.oldestQuery.map { TimeFormat.age($0, now: now) } ?? "none")")
                lines.append("newest_query_entry_age_seconds: \(cache.newestQuery.map { TimeFormat.age($0, now: now) } ?? "none")")
                if idle { lines += lastReadLines(cache) }
            }
            for database in cache.databases {
                lines.append("")
                lines.append("[cache \(cache.alias) database \(database.alias)]")
                lines.append("tables: \(database.tableCount)")
                lines.append("tables_with_key: \(database.invalidations.count)")
                if let newest = database.invalidations.first {
                    lines.append("newest_invalidation: \(newest.table) \(TimeFormat.iso(newest.timestamp, local: local)) (\(TimeFormat.age(newest.timestamp, now: now)) s ago)")
                } else {
                    lines.append("newest_invalidation: none")
                }
                if perTable {
                    let rows = database.invalidations.prefix(top ?? Int.max).map { row in
                        [TimeFormat.iso(row.timestamp, local: local), TimeFormat.age(row.timestamp, now: now) + " s ago", row.table, row.label ?? "-"]
                    }
                    lines += ColumnText.lines(header: ["invalidated", "age", "table", "model"], rows: rows, terminal: terminal)
                }
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// `--idle`: query entries by when they were last read.
    private static func lastReadLines(_ cache: CacheStats) -> [String] {
        var lines: [String] = []
        if let source = cache.lastReadSource {
            lines.append("last_read_source: \(source.method)")
            if let caveat = source.caveat { lines.append("last_read_note: \(caveat)") }
        }
        for (name, tally) in cache.lastRead.buckets {
            let label = name == "older" ? "query_entries_unread_for_1d" : name == "unknown" ? "query_entries_read_unknown"
                : name.hasPrefix("freq_") ? "query_entries_\(name)" : "query_entries_read_within_\(name)"
            lines += ["\(label): \(tally.count)", "\(label)_bytes: \(tally.bytes)"]
        }
        if let share = cache.lastRead.unreadForADayShare {
            lines.append("query_bytes_unread_for_1d_percent: \(TextFormatting.fixed(share * 100, digits: 1))")
        }
        return lines
    }

    private static func lastReadJSON(_ cache: CacheStats) -> JSONValue {
        .object([
            ("source", .optional(cache.lastReadSource?.method)),
            ("scan_resets_it", .bool(cache.lastReadSource?.scanResetsIt ?? false)),
            ("note", .optional(cache.lastReadSource?.caveat)),
            ("buckets", .array(cache.lastRead.buckets.map { name, tally in
                .object([("name", .string(name)), ("count", .int(tally.count)), ("bytes", .int(tally.bytes))])
            })),
            ("unread_for_1d_share", .optional(cache.lastRead.unreadForADayShare)),
        ])
    }

    static func groupName(_ group: EntryGroup) -> String {
        switch group {
        case .tableKeys: return "table_keys"
        case .queryEntries: return "query_entries"
        case .otherKeys: return "other_keys"
        case .unreadable: return "unreadable_entries"
        }
    }

    static func json(_ report: StatsReport, now: Double, perTable: Bool, top: Int?, idle: Bool = false) -> JSONValue {
        .object([
            ("generated_at", .number(now)),
            ("caches", .array(report.caches.map { json($0, perTable: perTable, top: top, idle: idle) })),
            ("skipped_caches", FailureOutput.skippedJSON(report.skippedCaches)),
            ("failed_databases", FailureOutput.json(report.failedDatabases, kind: .database)),
        ])
    }

    private static func json(_ cache: CacheStats, perTable: Bool, top: Int?, idle: Bool) -> JSONValue {
        let groups: [(String, JSONValue)] = EntryGroup.allCases.map { group in
            let stats = cache.stats(of: group)
            return (group.rawValue, .object([("count", .int(stats.count)), ("bytes", .int(stats.bytes)),
                                             ("persistent", .int(stats.persistent)), ("expiring", .int(stats.expiring))]))
        }
        let server: [(String, JSONValue)] = cache.server.info.map { ($0.name, .string($0.value)) }
        var members: [(String, JSONValue)] = [
            ("cache", .string(cache.alias)),
            ("backend", .string(cache.backend.shortName)),
            ("location", .string(cache.location)),
            ("reachable", .bool(cache.reachable)),
            ("error", .optional(cache.failure?.description)),
            ("server", .object(server)),
            ("server_time", .optional(cache.server.serverTime)),
            ("server_clock_offset_seconds", .optional(cache.server.clockOffset)),
            ("unreachable_servers", .array(cache.server.unreachable.map {
                .object([("address", .string($0.address)), ("reason", .string($0.reason))])
            })),
            // null when the entries could not be listed (entries_unlisted says why) or read (error).
            ("groups", cache.unlisted == nil && cache.reachable ? .object(groups) : .null),
            ("entries_unlisted", .optional(cache.unlisted)),
            ("expired_files", .int(cache.expiredFiles)),
            ("oldest_query_timestamp", .optional(cache.oldestQuery)),
            ("newest_query_timestamp", .optional(cache.newestQuery)),
            ("databases", .array(cache.databases.map { json($0, perTable: perTable, top: top) })),
        ]
        if idle && cache.reachable && cache.unlisted == nil { members.append(("last_read", lastReadJSON(cache))) }
        return .object(members)
    }

    private static func json(_ database: DatabaseStats, perTable: Bool, top: Int?) -> JSONValue {
        func row(_ row: TableInvalidation) -> JSONValue {
            .object([("table", .string(row.table)), ("label", .optional(row.label)), ("timestamp", .number(row.timestamp))])
        }
        var members: [(String, JSONValue)] = [
            ("database", .string(database.alias)),
            ("tables", .int(database.tableCount)),
            ("tables_with_key", .int(database.invalidations.count)),
            ("newest_invalidation", database.invalidations.first.map(row) ?? .null),
        ]
        if perTable { members.append(("invalidations", .array(database.invalidations.prefix(top ?? Int.max).map(row)))) }
        return .object(members)
    }

    static func prometheus(_ report: StatsReport, perTable: Bool, top: Int?, idle: Bool = false) -> String {
        var out = PrometheusText()
        for cache in report.caches {
            let labels = [("cache", cache.alias)]
            out.add("cache_up", help: "Whether cachalot could read the cache (1) or not (0).", labels: labels, value: cache.reachable ? 1 : 0)
            guard cache.reachable else { continue }
            out.add("cache_entries_listed", help: "Whether the cache's entries could be listed (0: memcached with SASL, whose binary protocol cannot).",
                    labels: labels, value: cache.unlisted == nil ? 1 : 0)
            for group in EntryGroup.allCases where cache.unlisted == nil {
                let stats = cache.stats(of: group)
                let groupLabels = labels + [("group", group.rawValue)]
                out.add("cache_entries", help: "Entries under the cache's key prefix, by group (table keys, query entries, other).", labels: groupLabels, value: Double(stats.count))
                out.add("cache_entry_bytes", help: "Bytes of those entries' values (files: whole files).", labels: groupLabels, value: Double(stats.bytes))
                out.add("cache_persistent_entries", help: "Entries that never expire, by group.", labels: groupLabels, value: Double(stats.persistent))
            }
            if cache.backend == .fileBased {
                out.add("cache_expired_files", help: "Cache files past their expiry, not yet deleted by Django.", labels: labels, value: Double(cache.expiredFiles))
            }
            if idle {
                for (name, tally) in cache.lastRead.buckets {
                    let bucketLabels = labels + [("last_read", name)]
                    out.add("query_entries_by_last_read", help: "Query entries by when they were last read: within 1m, 1h, 1d, older, unknown (freq_* under an LFU Redis).", labels: bucketLabels, value: Double(tally.count))
                    out.add("query_entry_bytes_by_last_read", help: "Bytes of those query entries.", labels: bucketLabels, value: Double(tally.bytes))
                }
            }
            if let oldest = cache.oldestQuery {
                out.add("query_entry_oldest_timestamp_seconds", help: "When the oldest cached query was stored (unix time).", labels: labels, value: oldest)
            }
            if let newest = cache.newestQuery {
                out.add("query_entry_newest_timestamp_seconds", help: "When the newest cached query was stored (unix time).", labels: labels, value: newest)
            }
            let serverMetrics: [(String, String, String, String)] = [
                ("used_memory", "redis_used_memory_bytes", "gauge", "Redis used_memory (server-wide)."),
                ("maxmemory", "redis_maxmemory_bytes", "gauge", "Redis maxmemory, 0 for none (server-wide)."),
                ("evicted_keys", "redis_evicted_keys_total", "counter", "Keys Redis evicted (server-wide)."),
                ("keyspace_hits", "redis_keyspace_hits_total", "counter", "Redis keyspace hits (server-wide)."),
                ("keyspace_misses", "redis_keyspace_misses_total", "counter", "Redis keyspace misses (server-wide)."),
                ("memcached_bytes", "memcached_bytes", "gauge", "Bytes memcached uses for items (summed over the pool)."),
                ("limit_maxbytes", "memcached_limit_maxbytes_bytes", "gauge", "memcached's memory limit, -m (summed over the pool)."),
                ("curr_items", "memcached_curr_items", "gauge", "Items memcached holds (summed over the pool)."),
                ("evictions", "memcached_evictions_total", "counter", "Items memcached evicted (summed over the pool)."),
                ("get_hits", "memcached_get_hits_total", "counter", "memcached get hits (summed over the pool)."),
                ("get_misses", "memcached_get_misses_total", "counter", "memcached get misses (summed over the pool)."),
                ("item_size_max", "memcached_item_size_max_bytes", "gauge", "memcached's item size limit, -I (the smallest in the pool)."),
            ]
            for (field, name, type, help) in serverMetrics {
                if let value = cache.server.value(field).flatMap(Double.init) {
                    out.add(name, help: help, type: type, labels: labels, value: value)
                }
            }
            for database in cache.databases {
                let dbLabels = labels + [("db", database.alias)]
                out.add("database_tables", help: "Tables of the database.", labels: dbLabels, value: Double(database.tableCount))
                out.add("database_tables_with_key", help: "Tables with a cachalot table key in this cache.", labels: dbLabels, value: Double(database.invalidations.count))
                if let newest = database.invalidations.first {
                    out.add("last_invalidation_timestamp_seconds", help: "Newest table invalidation of the database in this cache (unix time).", labels: dbLabels, value: newest.timestamp)
                }
                if perTable {
                    for row in database.invalidations.prefix(top ?? Int.max) {
                        out.add("table_last_invalidation_timestamp_seconds", help: "A table's last invalidation (unix time).", labels: dbLabels + [("table", row.table)], value: row.timestamp)
                    }
                }
            }
        }
        return out.text
    }
}
