/// Walking a Redis cache for `stats` and `doctor`: SCAN over the cache's
/// key prefix with pipelined reads, one batch in memory at a time.
extension RedisCacheStore {
    static let scanBatch = 1000

    public func entryName(forKey key: String) -> String { keyMaker.makeKey(key) }

    public func scan(lastRead: Bool, _ visit: (CacheEntry) throws -> Void) throws {
        scanResetsLastRead = false
        scanSawFrequencies = false
        scanReplicaFailures = [:]
        for server in try servers() {
            // Redis 7.2+: this connection's reads (a whole value, a large one's end) leave
            // idle times and LFU counters alone. Older servers refuse it; their reads reset them.
            var noTouch = true
            do {
                _ = try send(Self.noTouch, on: server)
            } catch let error as CachalotError where error.exitCode == .runtime && error.message.hasPrefix("Redis error") {
                scanResetsLastRead = true
                noTouch = false
            }
            try scan(server, lastRead: lastRead, noTouch: noTouch, visit)
        }
    }

    public func lastReadSource() -> LastReadSource {
        var caveats: [String] = []
        if scanResetsLastRead {
            caveats.append(scanSawFrequencies
                ? "this Redis has no CLIENT NO-TOUCH (7.2+): reading the entries for this scan raised their LFU counters"
                : "this Redis has no CLIENT NO-TOUCH (7.2+): reading the entries for this scan reset their idle times")
        }
        if case .sentinel = options.topology {
            caveats.append("reads the site sends to the master's replicas are not counted")
        }
        for (replica, reason) in scanReplicaFailures.sorted(by: { $0.key < $1.key }) {
            caveats.append("replica \(named(replica)) did not answer (\(reason)): reads there are not counted")
        }
        return LastReadSource(method: scanSawFrequencies ? "Redis OBJECT FREQ (an LFU maxmemory-policy keeps no idle time)" : "Redis OBJECT IDLETIME",
                              scanResetsIt: scanResetsLastRead, caveat: caveats.isEmpty ? nil : caveats.joined(separator: "; "))
    }

    /// The replicas Django and django-redis send reads to (LOCATION's
    /// others): their idle times count too, the most recent read wins.
    private var replicas: [Int] {
        guard case .primary = options.topology else { return [] }
        return Array(options.endpoints.indices.dropFirst())
    }

    /// Each key's idle time and LFU counter on every replica that answers:
    /// the least idle time and the highest counter over them.
    private func replicaLastReads(_ keys: [[UInt8]]) -> [(idle: Int, frequency: Int)?] {
        var merged = [(idle: Int, frequency: Int)?](repeating: nil, count: keys.count)
        for replica in replicas where scanReplicaFailures[replica] == nil {
            do {
                let reply = try pipeline([RedisScripts.call(RedisScripts.idle, keys: keys)],
                                         on: replica, replyLimit: 64 * 1024 + keys.count * 64)[0]
                guard case .array(let fields) = reply, fields.count == keys.count * 2 else { throw unexpected(reply) }
                for index in keys.indices {
                    guard case .integer(let idle) = fields[2 * index], case .integer(let frequency) = fields[2 * index + 1],
                          idle >= 0 || frequency >= 0 else { continue }
                    var known = merged[index] ?? (idle: -1, frequency: -1)
                    if idle >= 0 { known.idle = known.idle < 0 ? idle : min(known.idle, idle) }
                    known.frequency = max(known.frequency, frequency)
                    merged[index] = known
                }
            } catch {
                scanReplicaFailures[replica] = CachalotError(error).message
            }
        }
        return merged
    }

    private static let noTouch = [Array("CLIENT".utf8), Array("NO-TOUCH".utf8), Array("ON".utf8)]

    private func scan(_ server: Int, lastRead: Bool, noTouch: Bool, _ visit: (CacheEntry) throws -> Void) throws {
        let pattern = Array((Self.globEscaped(try keyMaker.listingPrefix(cache: settings.alias)) + "*").utf8)
        func scanCommand(_ cursor: [UInt8]) -> [[UInt8]] {
            [Array("SCAN".utf8), cursor, Array("MATCH".utf8), pattern, Array("COUNT".utf8), Array(String(Self.scanBatch).utf8)]
        }
        // A larger value comes as its start and end. One that must be decoded
        // whole to be classified (compressed, JSON, msgpack, herd) is then
        // fetched whole, with its batch's others, at most `wholeBudget` bytes
        // to a request (`fetchWhole`): a batch of them whole in the scan's own
        // request, up to 32 MiB each, held 500 MB and passed its 512 MiB limit.
        let wholeLimit = Self.wholeValueLimit
        let sampling = EntrySampling(wholeLimit: wholeLimit, lastRead: lastRead)
        // A batch's values, PTTLs, --idle's error texts and key names (Django's are short), and the next page's names.
        let replyLimit = min(Self.scanBatch * (wholeLimit + 4096) + (4 << 20), 512 << 20)
        // The scan reads on a connection of its own: it keeps the next batch's request
        // queued behind the one being read, and nothing may come between the two (a
        // large value's end, a whole value: those go through the store's connection).
        let connection: RedisConnection
        do {
            connection = try RedisConnection(try endpoint(server), timeouts: options.timeouts)
        } catch let failure as RedisConnection.Failure {
            throw Self.error(failure)
        }
        func enqueue(_ commands: [[[UInt8]]]) throws {
            do {
                try connection.send(commands)
            } catch let failure as RedisConnection.Failure {
                throw Self.error(failure)
            }
        }
        func receive(_ count: Int) throws -> [RedisReply] {
            do {
                return try connection.receive(replyLimit: replyLimit, first: count)
            } catch let failure as RedisConnection.Failure {
                throw Self.error(failure)
            }
        }
        let done = Array("0".utf8)
        // A request: the next SCAN first, then the reads of the keys its cursor came with.
        // The next request goes out as soon as that SCAN's reply is in, so the server
        // has it queued before it finishes reading this batch: it never waits for cachalot.
        func request(_ page: (cursor: [UInt8], keys: [[UInt8]])) throws {
            try enqueue((page.cursor == done ? [] : [scanCommand(page.cursor)]) + page.keys.flatMap(sampling.commands))
        }
        let opening = (noTouch ? [Self.noTouch] : []) + [scanCommand(done)]
        try enqueue(opening)
        let opened = try receive(opening.count)
        if let message = opened[0].errorMessage { throw Self.explain(message) }
        var page = try scanPage(opened[opened.count - 1])
        try request(page)
        while true {
            let keys = page.keys
            var next: (cursor: [UInt8], keys: [[UInt8]])?
            if page.cursor != done {
                next = try scanPage(receive(1)[0])
                try request(next!)
            }
            // Some error replies are answers here (WRONGTYPE, OBJECT FREQ under LRU): EntrySampling reads them.
            let replies = try receive(keys.count * sampling.width)
            var samples = try keys.indices.map { try sampling.sample(replies[($0 * sampling.width)...]) }
            // Values larger than the limit: their length and last bytes, asked of them alone.
            let large = samples.indices.filter { samples[$0].size > wholeLimit }
            if !large.isEmpty {
                let ends = try pipeline(large.flatMap { [[Array("STRLEN".utf8), keys[$0]], [Array("GETRANGE".utf8), keys[$0], Array("-16".utf8), Array("-1".utf8)]] },
                                        on: server, keepingErrors: true)
                for (index, at) in zip(large, stride(from: 0, to: ends.count, by: 2)) {
                    switch (ends[at], ends[at + 1]) {
                    case (.integer(let size), .string(let tail)) where size > wholeLimit:
                        samples[index].size = size
                        samples[index].head = Array(samples[index].head.prefix(64))
                        samples[index].tail = tail
                    case (.integer, .string):
                        samples[index].ttl = -2  // rewritten smaller or deleted since: left out, as a key gone after SCAN
                    case (.error(let message), _) where message.hasPrefix("WRONGTYPE"):
                        samples[index].size = -1  // another Redis type since: unreadable
                    case (.error(let message), _), (_, .error(let message)):
                        throw Self.explain(message)
                    default:
                        throw unexpected(ends[at])
                    }
                }
            }
            try visitSampled(keys, &samples, wholeLimit: wholeLimit, lastRead: lastRead, server: server, visit)
            guard let next else { return }
            page = next
        }
    }

    /// Whether a sampled value must still be fetched whole to be decoded:
    /// larger than a scan returns, within the value limit (over it, it is
    /// unreadable unfetched), and not gone.
    private func needsWhole(_ sample: EntrySample, wholeLimit: Int) -> Bool {
        options.codec.needsWholeValues && sample.whole == nil && sample.ttl != -2
            && sample.size > wholeLimit && sample.size <= valueLimit
    }

    /// The values from `start` on that must be fetched whole (`needsWhole`),
    /// with GET, as many to a request as fit in `wholeBudget` bytes (one at
    /// least); one gone or rewritten since is left out, as a key gone after SCAN.
    private func fetchWhole(from start: Int, keys: [[UInt8]], samples: inout [EntrySample], wholeLimit: Int, server: Int) throws {
        var chunk: [Int] = []
        var bytes = 0
        for index in start..<keys.count where needsWhole(samples[index], wholeLimit: wholeLimit) {
            if !chunk.isEmpty && bytes + samples[index].size > Self.wholeBudget { break }
            chunk.append(index)
            bytes += samples[index].size
        }
        guard !chunk.isEmpty else { return }
        let replies = try pipeline(chunk.map { [Array("GET".utf8), keys[$0]] }, on: server,
                                   replyLimit: bytes + chunk.count * 64 + 4096, keepingErrors: true)
        for (index, reply) in zip(chunk, replies) {
            switch reply {
            case .string(let value) where value.count == samples[index].size:
                samples[index].whole = value
            case .string, .null:
                samples[index].ttl = -2
            case .error(let message) where message.hasPrefix("WRONGTYPE"):
                samples[index].size = -1
            case .error(let message):
                throw Self.explain(message)
            default:
                throw unexpected(reply)
            }
        }
    }

    /// The most bytes of whole values one request asks for.
    static let wholeBudget = 8 << 20

    /// What a scan reads of each key, as plain pipelined commands (a tenth
    /// of a script's server time per key): with --idle, OBJECT IDLETIME and
    /// OBJECT FREQ first (reading the value resets the idle time; each fails
    /// under the other kind of maxmemory policy), then GETRANGE of the first
    /// `wholeLimit` + 1 bytes (a value that fits comes back whole and so
    /// tells its length) and PTTL.
    struct EntrySampling {
        let wholeLimit: Int
        let lastRead: Bool
        // Built once: a scan makes two commands per key.
        private let object = Array("OBJECT".utf8), idleTime = Array("IDLETIME".utf8), frequency = Array("FREQ".utf8)
        private let getRange = Array("GETRANGE".utf8), zero = Array("0".utf8), pttl = Array("PTTL".utf8)
        private let limitText: [UInt8]

        init(wholeLimit: Int, lastRead: Bool) {
            self.wholeLimit = wholeLimit
            self.lastRead = lastRead
            limitText = Array(String(wholeLimit).utf8)
        }

        var width: Int { lastRead ? 4 : 2 }

        func commands(_ key: [UInt8]) -> [[[UInt8]]] {
            let reads = [[getRange, key, zero, limitText], [pttl, key]]
            return lastRead ? [[object, idleTime, key], [object, frequency, key]] + reads : reads
        }

        /// One key's sample from its replies (`replies` starts at its first).
        func sample(_ replies: ArraySlice<RedisReply>) throws -> EntrySample {
            var at = replies.startIndex
            var sample = EntrySample()
            if lastRead {
                // Each OBJECT fails under the other kind of maxmemory policy: that
                // error is an answer. Any other (NOPERM for a user without OBJECT)
                // would leave every entry's last read unknown: it is the run's failure.
                for reply in replies[at...(at + 1)] {
                    if let message = reply.errorMessage, !message.contains("maxmemory policy") { throw RedisCacheStore.explain(message) }
                }
                if case .integer(let idle) = replies[at] { sample.idle = idle }
                if case .integer(let frequency) = replies[at + 1] { sample.frequency = frequency }
                at += 2
            }
            switch replies[at] {
            case .string(let value):
                sample.head = value
                // One byte more than the limit: a larger value, whose length comes next.
                sample.size = value.count
            case .error(let message) where message.hasPrefix("WRONGTYPE"):
                sample.size = -1  // another Redis type: unreadable
            case .error(let message):
                throw RedisCacheStore.explain(message)
            default:
                throw RedisCacheStore.unexpected(replies[at])
            }
            if let message = replies[at + 1].errorMessage { throw RedisCacheStore.explain(message) }
            guard case .integer(let ttl) = replies[at + 1] else { throw RedisCacheStore.unexpected(replies[at + 1]) }
            sample.ttl = ttl
            return sample
        }
    }

    /// One key as a scan read it: -1 where unknown (idle, frequency), or
    /// for size, another Redis type; PTTL's answer (-2: gone, -1: no expiry).
    struct EntrySample {
        var idle = -1
        var frequency = -1
        var size = -1
        var ttl = -2
        var head: [UInt8] = []
        var tail: [UInt8] = []
        /// A large value fetched whole (`fetchWhole`).
        var whole: [UInt8]?
    }

    /// SCAN's reply: the next cursor and the names of this page.
    private func scanPage(_ reply: RedisReply) throws -> (cursor: [UInt8], keys: [[UInt8]]) {
        if let message = reply.errorMessage { throw Self.explain(message) }
        guard case .array(let parts) = reply, parts.count == 2, let next = parts[0].bytes,
              case .array(let names) = parts[1] else { throw unexpected(reply) }
        return (next, names.compactMap(\.bytes))
    }

    /// Each key of a batch as an entry.
    private func visitSampled(_ keys: [[UInt8]], _ samples: inout [EntrySample], wholeLimit: Int, lastRead: Bool, server: Int,
                              _ visit: (CacheEntry) throws -> Void) throws {
        let now = self.now()
        let onReplicas = replicas.isEmpty || !lastRead ? [] : replicaLastReads(keys)
        for (index, key) in keys.enumerated() {
            // Whole values are fetched a request's worth ahead and let go once visited.
            if needsWhole(samples[index], wholeLimit: wholeLimit) {
                try fetchWhole(from: index, keys: keys, samples: &samples, wholeLimit: wholeLimit, server: server)
            }
            var sample = samples[index]
            samples[index].whole = nil
            // A key that expired or was deleted between SCAN and the reads is gone.
            guard sample.ttl != -2 else { continue }
            var entry = CacheEntry(name: String(decoding: key, as: UTF8.self), value: sample.head, size: max(sample.size, 0),
                                   expiresAt: sample.ttl < 0 ? nil : now + Double(sample.ttl) / 1000)
            if let replica = onReplicas.isEmpty ? nil : onReplicas[index] {
                if replica.idle >= 0 { sample.idle = sample.idle < 0 ? replica.idle : min(sample.idle, replica.idle) }
                sample.frequency = max(sample.frequency, replica.frequency)
            }
            if sample.idle >= 0 {
                entry.lastRead = .idle(Double(sample.idle))
            } else if sample.frequency >= 0 {
                entry.lastRead = .frequency(sample.frequency)
                scanSawFrequencies = true
            }
            if let whole = sample.whole {
                entry.value = whole
            } else if sample.size < 0 || (sample.size > wholeLimit && options.codec.needsWholeValues) {
                entry.unreadable = true  // another type, or over the value limit
            } else if sample.size > wholeLimit {
                entry.value = []
                entry.partial = PickleOutline(head: sample.head, tail: sample.tail, count: sample.size)
            }
            try visit(entry)
        }
    }

    /// Values up to this size come back whole from a scan; larger ones as
    /// their start and end (enough to classify them).
    static let wholeValueLimit = 4096

    public func pickleBytes(of entry: CacheEntry) throws -> [UInt8]? {
        guard entry.partial != nil else { return try options.codec.pickleBytes(entry.value) }
        // Over the limit a value is unreadable, unfetched.
        guard entry.size <= valueLimit else { throw CachalotError.runtime("\(entry.name.prefix(120)) is larger than \(valueLimit >> 20) MiB") }
        let server = try placed([entry.name])[0].server
        let whole: RedisReply
        do {
            whole = try replies([[Array("GET".utf8), Array(entry.name.utf8)]], on: server, replyLimit: valueLimit + 4096)[0]
        } catch let failure as RedisConnection.Failure {
            // The connection, not the entry: the scan's failure.
            throw EntryFetchFailure(error: Self.error(failure))
        }
        // Gone, or another type since (WRONGTYPE), or moved (MOVED): this entry only.
        guard let bytes = whole.bytes, bytes.count <= valueLimit else {
            throw CachalotError.runtime("\(entry.name.prefix(120)) is gone, another type or larger than \(valueLimit >> 20) MiB since the scan")
        }
        return try options.codec.pickleBytes(bytes)
    }

    /// A large value comes as its start and end, its pickle's: a codec that
    /// decodes values whole has them fetched whole by the scan.
    public func outline(of entry: CacheEntry) throws -> PickleOutline? {
        try entry.partial ?? options.codec.outline(entry.value)
    }

    /// INFO fields operators ask for during an incident, and the server clock.
    /// A shard ring's servers one by one (as members); the server written
    /// to and, as members, every replica the site reads from (one that
    /// does not answer is listed as unreachable); else the one server.
    public func serverFacts() throws -> ServerFacts {
        let servers = try servers()
        if servers.count > 1 {
            var facts = try self.facts(of: servers[0])
            facts.serverTime = nil
            facts.members = try servers.map { (named($0), try self.facts(of: $0)) }
            return facts
        }
        var facts = try self.facts(of: servers[0])
        guard !replicas.isEmpty else { return facts }
        facts.members = [(options.endpoints[0].description, facts)]
        for replica in replicas {
            do {
                facts.members.append((options.endpoints[replica].description, try self.facts(of: replica)))
            } catch {
                facts.unreachable.append((options.endpoints[replica].description, CachalotError(error).message))
            }
        }
        return facts
    }

    private func facts(of server: Int) throws -> ServerFacts {
        let before = now()
        let replies = try pipeline([[Array("INFO".utf8)], [Array("TIME".utf8)]], on: server)
        let readAt = (before + now()) / 2
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
                           serverTime: seconds + micros / 1_000_000, readAt: readAt)
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
