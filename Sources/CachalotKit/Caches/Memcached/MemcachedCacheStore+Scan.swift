/// Listing a memcached pool's entries (`lru_crawler metadump all`,
/// memcached 1.4.31 and later) and what its servers say about themselves.
extension MemcachedCacheStore {
    /// One metadump line: `key=<URL-encoded> exp=<unix time or -1> la=… cas=… fetch=… cls=… size=<bytes>`.
    struct DumpedItem {
        var key: String
        var expiresAt: Double?
        var size: Int
        /// When it was last read (la=, the server's clock).
        var lastAccess: Double?

        init?(_ line: String) {
            var key: String?, expiry: Double?, size = 0, lastAccess: Double?
            for field in line.split(separator: " ") {
                guard let equals = field.firstIndex(of: "=") else { continue }
                let value = field[field.index(after: equals)...]
                switch field[..<equals] {
                case "key": key = Self.percentDecoded(value)
                case "exp": expiry = Double(value).flatMap { $0 < 0 ? nil : $0 }
                case "size": size = Int(value) ?? 0
                case "la": lastAccess = Double(value)
                default: break
                }
            }
            guard let key else { return nil }
            self.key = key
            expiresAt = expiry
            self.size = size
            self.lastAccess = lastAccess
        }

        static func percentDecoded(_ text: Substring) -> String? {
            var bytes: [UInt8] = []
            var iterator = text.utf8.makeIterator()
            while let byte = iterator.next() {
                guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
                guard let high = iterator.next(), let low = iterator.next(),
                      let decoded = Base16.decode([high, low])?.first else { return nil }
                bytes.append(decoded)
            }
            return String(validating: bytes, as: UTF8.self)
        }
    }

    public func entryName(forKey key: String) -> String { keyMaker.makeKey(key) }

    /// Each server's metadump, filtered to this cache's KEY_PREFIX and
    /// VERSION, values fetched in batches over a second connection. The
    /// dump's la= (last access) comes before the values are read, and they
    /// are read with meta gets that leave it alone (`u`, memcached 1.6).
    /// A server that wants SASL speaks only the binary protocol, which has
    /// no way to list keys (metadump is a text command).
    func refuseListingOverSASL() throws {
        guard options.sasl != nil else { return }
        throw EntryListingUnavailable(reason: "memcached with SASL speaks only the binary protocol, which cannot list keys (lru_crawler metadump is a text-protocol command)")
    }

    public func scan(lastRead: Bool, _ visit: (CacheEntry) throws -> Void) throws {
        try refuseListingOverSASL()
        let prefix = try keyMaker.listingPrefix(cache: settings.alias)
        scanResetsLastRead = false
        for server in options.servers.indices {
            var batch: [DumpedItem] = []
            var batchBytes = 0
            func flush() throws {
                let fetched = try fetchUntouched(batch.filter { $0.size <= valueLimit }.map(\.key), on: server)
                let now = self.now()
                for item in batch {
                    var entry = CacheEntry(name: item.key, value: [], size: item.size, expiresAt: item.expiresAt)
                    // The meta get's own idle time (the server's clock); la= when gets had to do.
                    entry.lastRead = (fetched[item.key]?.idleSeconds).map { .idle(Double($0)) }
                        ?? item.lastAccess.map { .idle(max(0, now - $0)) }
                    if item.size > valueLimit {
                        entry.unreadable = true
                    } else {
                        guard let stored = fetched[item.key] else { continue }  // gone since the dump
                        entry.value = stored.data
                        entry.flags = stored.flags
                    }
                    try visit(entry)
                }
                batch = []
                batchBytes = 0
            }
            do {
                try dump(server) { item in
                    guard item.key.hasPrefix(prefix) else { return }
                    batch.append(item)
                    batchBytes += item.size
                    if batch.count >= 500 || batchBytes >= 8 << 20 { try flush() }
                }
                try flush()
            } catch let failure as ServerFailure {
                throw CachalotError.runtime(failure.description)
            }
        }
    }

    /// Values read without moving their last access (quiet meta gets with
    /// `u`); a server without meta commands (before 1.6) gets plain gets,
    /// which do move it, and the scan says so.
    private func fetchUntouched(_ made: [String], on server: Int) throws -> [String: MemcachedConnection.Item] {
        guard !made.isEmpty else { return [:] }
        if !scanResetsLastRead {
            do {
                let request = made.map { "mg \($0) v f k l u q\r\n" }.joined() + "mn\r\n"
                let items = try onServer(server) { connection -> [MemcachedConnection.Item] in
                    try connection.send(Array(request.utf8))
                    return try connection.readMetaItems(limit: 256 << 20)
                }
                return Dictionary(items.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            } catch let failure as ServerFailure where failure.description.contains("the server answered") {
                // No meta commands (before 1.6), or another dialect of them: plain gets.
                scanResetsLastRead = true
            }
        }
        return try fetch(made, on: server, withCas: false)
    }

    public func lastReadSource() -> LastReadSource {
        LastReadSource(method: "memcached last access (meta get l, or metadump la=)", scanResetsIt: scanResetsLastRead,
                       caveat: "memcached moves an item's last access at most once a minute, and not on the first read after a write: idle times are upper bounds"
                           + (scanResetsLastRead ? "; this memcached has no meta commands (1.6+): reading the entries for this scan moved their last access" : ""))
    }

    /// Streams one server's metadump on a connection of its own.
    func dump(_ server: Int, _ visit: (DumpedItem) throws -> Void) throws {
        let address = options.servers[server].address
        do {
            let connection = try MemcachedConnection(address, timeout: options.timeout)
            try connection.send(Array("lru_crawler metadump all\r\n".utf8))
            try connection.readLines { line in
                if let item = DumpedItem(line) { try visit(item) }
            }
        } catch let failure as MemcachedConnection.Failure {
            let text = failure.description
            let reason = text.contains("\"ERROR\"") ? "it cannot list its keys (lru_crawler metadump needs memcached 1.4.31 or later, without -X)"
                : text.contains("BUSY") ? "its LRU crawler is busy with another listing; try again" : text
            throw ServerFailure(server: server, description: "server \(address): \(reason)")
        }
    }

    public func pickleBytes(of entry: CacheEntry) throws -> [UInt8]? {
        try codec.pickleBytes(flags: entry.flags, data: entry.value)
    }

    public func outline(of entry: CacheEntry) throws -> PickleOutline? {
        try pickleBytes(of: entry).map { PickleOutline($0) }
    }

    /// `stats` and `stats settings` of every server; `info` sums the pool
    /// (counts and sizes added, the smallest item size limit), `members`
    /// keeps each server, unreachable ones with the reason.
    public func serverFacts() throws -> ServerFacts {
        var facts = ServerFacts()
        var totals: [String: Double] = [:]
        var versions: [String] = []
        var failures: [String] = []
        for (index, server) in options.servers.enumerated() {
            do {
                let before = now()
                let (stats, settings, slabs) = try onServer(index) { try $0.serverStats() }
                var fields = Dictionary(stats + settings, uniquingKeysWith: { first, _ in first })
                fields["largest_chunk_in_use"] = Self.largestChunkInUse(slabs).map(String.init)
                let names = ["version", "uptime", "curr_items", "bytes", "limit_maxbytes", "evictions", "get_hits",
                             "get_misses", "item_size_max", "largest_chunk_in_use"]
                var member = ServerFacts(info: names.compactMap { name in fields[name].map { (name, $0) } },
                                         serverTime: fields["time"].flatMap(Double.init), readAt: (before + now()) / 2)
                member.clockResolution = 1
                facts.members.append((server.address.description, member))
                versions.append(fields["version"] ?? "?")
                for name in ["curr_items", "bytes", "limit_maxbytes", "evictions", "get_hits", "get_misses"] {
                    totals[name, default: 0] += fields[name].flatMap(Double.init) ?? 0
                }
                if let limit = fields["item_size_max"].flatMap(Double.init) {
                    totals["item_size_max"] = min(totals["item_size_max"] ?? limit, limit)
                }
                if let largest = fields["largest_chunk_in_use"].flatMap(Double.init) {
                    totals["largest_chunk_in_use"] = max(totals["largest_chunk_in_use"] ?? largest, largest)
                }
            } catch let failure as ServerFailure {
                failures.append(failure.description)
                facts.unreachable.append((server.address.description, failure.description))
            }
        }
        guard !facts.members.isEmpty else { throw CachalotError.runtime(failures.joined(separator: "; ")) }
        facts.info = [("memcached_version", versions.uniqued().joined(separator: ","))]
            + ["curr_items", "bytes", "limit_maxbytes", "evictions", "get_hits", "get_misses", "item_size_max",
               "largest_chunk_in_use"].compactMap { name in
                totals[name].map { (name == "bytes" ? "memcached_bytes" : name, String(Int($0))) }
            }
        return facts
    }

    /// The chunk size of the largest slab class holding items: an upper
    /// bound of the largest item (items past the largest chunk are split
    /// into several of them), from `stats slabs` lines `<class>:chunk_size`
    /// and `<class>:used_chunks`.
    static func largestChunkInUse(_ slabs: [(name: String, value: String)]) -> Int? {
        var chunkSize: [Substring: Int] = [:], used: [Substring: Int] = [:]
        for (name, value) in slabs {
            let parts = name.split(separator: ":")
            guard parts.count == 2, let number = Int(value) else { continue }
            if parts[1] == "chunk_size" { chunkSize[parts[0]] = number }
            if parts[1] == "used_chunks" { used[parts[0]] = number }
        }
        return chunkSize.filter { (used[$0.key] ?? 0) > 0 }.values.max()
    }
}
