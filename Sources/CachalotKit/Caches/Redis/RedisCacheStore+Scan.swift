/// Walking a Redis cache for `stats` and `doctor`: SCAN over the cache's
/// key prefix with pipelined reads, one batch in memory at a time.
extension RedisCacheStore {
    static let scanBatch = 1000

    public func entryName(forKey key: String) -> String { keyMaker.makeKey(key) }

    public func scan(_ visit: (CacheEntry) throws -> Void) throws {
        let pattern = Array((Self.globEscaped(keyMaker.makeKey("")) + "*").utf8)
        var cursor = "0"
        repeat {
            let reply = try send([Array("SCAN".utf8), Array(cursor.utf8), Array("MATCH".utf8), pattern,
                                  Array("COUNT".utf8), Array(String(Self.scanBatch).utf8)])
            guard case .array(let parts) = reply, parts.count == 2, let next = parts[0].bytes,
                  case .array(let names) = parts[1] else { throw unexpected(reply) }
            cursor = String(decoding: next, as: UTF8.self)
            let keys = names.compactMap(\.bytes)
            guard !keys.isEmpty else { continue }
            let now = self.now()
            let replies = try pipeline([[Array("MGET".utf8)] + keys] + keys.map { [Array("PTTL".utf8), $0] })
            guard case .array(let values) = replies[0], values.count == keys.count else { throw unexpected(replies[0]) }
            for (index, key) in keys.enumerated() {
                // A key that expired or was deleted between SCAN and MGET is gone.
                guard let value = values[index].bytes, case .integer(let ttl) = replies[index + 1], ttl != -2 else { continue }
                try visit(CacheEntry(name: String(decoding: key, as: UTF8.self), value: value, size: value.count,
                                     expiresAt: ttl < 0 ? nil : now + Double(ttl) / 1000))
            }
        } while cursor != "0"
    }

    public func pickleBytes(of entry: CacheEntry) throws -> [UInt8]? {
        options.codec.pickleBytes(entry.value)
    }

    /// INFO fields operators ask for during an incident, and the server clock.
    public func serverFacts() throws -> ServerFacts {
        let replies = try pipeline([[Array("INFO".utf8)], [Array("TIME".utf8)]])
        guard let text = replies[0].bytes, case .array(let time) = replies[1], time.count == 2,
              let seconds = time[0].bytes.flatMap({ Double(String(decoding: $0, as: UTF8.self)) }),
              let micros = time[1].bytes.flatMap({ Double(String(decoding: $0, as: UTF8.self)) }) else {
            throw unexpected(replies[0])
        }
        var fields: [String: String] = [:]
        for line in String(decoding: text, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        let names = ["redis_version", "used_memory", "maxmemory", "maxmemory_policy", "evicted_keys",
                     "keyspace_hits", "keyspace_misses"]
        return ServerFacts(info: names.compactMap { name in fields[name].map { (name, $0) } },
                           serverTime: seconds + micros / 1_000_000)
    }

    /// SCAN's MATCH is a glob: a KEY_PREFIX with *, ?, [ or \ must match itself.
    static func globEscaped(_ text: String) -> String {
        var result = ""
        for character in text {
            if "*?[]\\".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
