/// Django's `RedisCache` and django-redis's `RedisCache` with its clients.
/// Writes and reads go to the first LOCATION, as Django and django-redis's
/// default client write (a replica could lag behind it); to the server its
/// ring picks for each key with ShardClient; to the master the sentinels
/// name with SentinelClient. Each server gets one round trip per step.
public final class RedisCacheStore: CacheStore {
    public let settings: CacheSettings
    let options: RedisOptions
    public let keyMaker: DjangoKeyMaker
    let now: () -> Double
    private var connections: [Int: RedisConnection] = [:]
    private var sentinelMaster: RedisEndpoint?
    /// What the last scan found: a server without CLIENT NO-TOUCH, LFU counters.
    var scanResetsLastRead = false
    var scanSawFrequencies = false
    /// Replicas the last scan could not ask for idle times, and why.
    var scanReplicaFailures: [Int: String] = [:]

    /// Checks the settings; connects on first use.
    public init(settings: CacheSettings, timeout: Double?, clock: @escaping () -> Double) throws {
        self.settings = settings
        self.options = try RedisOptions(settings, timeoutOverride: timeout)
        self.keyMaker = DjangoKeyMaker(settings)
        self.now = clock
    }

    public var address: String {
        switch options.topology {
        case .primary: return options.endpoints[0].description
        case .shard: return options.endpoints.map(\.description).joined(separator: ",")
        case .sentinel(let sentinels): return sentinelMaster.map { "\(sentinels.description) → \($0.description)" } ?? sentinels.description
        }
    }

    /// The servers a cache's keys can live on (one but for a shard ring).
    var servers: [Int] {
        if case .shard = options.topology { return Array(options.endpoints.indices) }
        return [0]
    }

    /// Made keys grouped by the server holding each.
    func placed(_ keys: [String]) -> [(server: Int, keys: [String])] {
        guard case .shard(let ring) = options.topology else { return keys.isEmpty ? [] : [(0, keys)] }
        let groups = Dictionary(grouping: keys) { ring.server(for: $0) }
        return groups.keys.sorted().map { ($0, groups[$0]!) }
    }

    func endpoint(_ server: Int) throws -> RedisEndpoint {
        guard case .sentinel(let sentinels) = options.topology else { return options.endpoints[server] }
        if let master = sentinelMaster { return master }
        let master = try sentinels.resolve(timeouts: options.timeouts)
        sentinelMaster = master
        return master
    }

    /// Stamps each server's keys; when some servers fail after others were
    /// written, the failure says which were written and which server failed.
    public func stampTables(made keys: [String], at now: Double, timeout: Double?) throws -> StampOutcome {
        let groups = placed(keys)
        if groups.count <= 1 { return try groups.first.map { try stamp($0.keys, on: $0.server, at: now, timeout: timeout) } ?? StampOutcome() }
        var outcome = StampOutcome()
        var failures: [String] = []
        for group in groups {
            do {
                outcome.merge(try stamp(group.keys, on: group.server, at: now, timeout: timeout))
            } catch let partial as PartialStampFailure {
                outcome.merge(partial.outcome)
                failures.append("\(options.endpoints[group.server].description): \(partial.error.message)")
            } catch {
                failures.append("\(options.endpoints[group.server].description): \(CachalotError(error).message)")
            }
        }
        guard failures.isEmpty else { throw PartialStampFailure(outcome: outcome, error: .runtime(failures.joined(separator: "; "))) }
        return outcome
    }

    /// How often a key whose compare-and-set lost to another writer is decided again.
    static let stampAttempts = 5

    /// Stamps one server's keys; a key a concurrent writer changed between
    /// the read and the compare-and-set is read and decided again (it may
    /// now hold a newer time, or an older one that must still move).
    private func stamp(_ keys: [String], on server: Int, at now: Double, timeout: Double?) throws -> StampOutcome {
        var outcome = StampOutcome()
        var pending = keys
        for _ in 0..<Self.stampAttempts where !pending.isEmpty {
            let attempt = try stampOnce(pending, on: server, at: now, timeout: timeout)
            outcome.merge(attempt.outcome)
            pending = attempt.changedMeanwhile
            for key in pending { outcome.replacedUnreadable[key] = nil }
        }
        guard pending.isEmpty else {
            throw PartialStampFailure(outcome: outcome, error: .runtime(
                "server \(options.endpoints[server].description): \(pending.count) table keys kept changing under \(Self.stampAttempts) attempts"))
        }
        return outcome
    }

    /// One read-decide-write pass: the stamp script, then a compare-and-set
    /// for what only the client can decode. Returns the keys whose
    /// compare-and-set found another value than the one decided on.
    private func stampOnce(_ keys: [String], on server: Int, at now: Double, timeout: Double?)
        throws -> (outcome: StampOutcome, changedMeanwhile: [String]) {
        guard !keys.isEmpty else { return (StampOutcome(), []) }
        let value = try options.codec.encode(.float(now), timeout: timeout, now: self.now())
        let expiry = options.expiry(timeout)
        let expiryArguments = [Array(expiry.mode.utf8), Array(expiry.amount.utf8)]
        // Every reply is keys and stored table values: a few hundred bytes each.
        let replyLimit = 64 * 1024 + keys.count * 1024
        let reply = try eval(RedisScripts.stamp, keys: keys,
                             arguments: [Array(PythonFloatRepr.repr(now).utf8), value] + expiryArguments, on: server, replyLimit: replyLimit)
        guard case .array(let lists) = reply, lists.count == 5, case .array(let kept) = lists[0],
              case .array(let undecided) = lists[1], case .array(let written) = lists[2],
              case .array(let created) = lists[4] else { throw unexpected(reply) }
        func madeKeys(_ made: [RedisReply]) -> [String] {
            made.compactMap { $0.bytes.map { String(decoding: $0, as: UTF8.self) } }
        }
        var outcome = StampOutcome()
        outcome.written = madeKeys(written)
        outcome.created = madeKeys(created)
        if let error = lists[3].bytes, !error.isEmpty {
            throw PartialStampFailure(outcome: outcome, error: Self.explain(String(decoding: error, as: UTF8.self)))
        }
        // Decided here: values the script could not read (compressed by
        // django-redis, corrupt, another type), and kept ones that do not decode.
        var toSet: [(made: [UInt8], key: String, kind: [UInt8], stored: [UInt8])] = []
        for index in stride(from: 0, to: kept.count - 1, by: 2) {
            guard let made = kept[index].bytes, let stored = kept[index + 1].bytes else { continue }
            let key = String(decoding: made, as: UTF8.self)
            switch inspect(stored) {
            case .time(let time) where time > now: outcome.keptNewer[key] = time
            case .time: toSet.append((made, key, Array("string".utf8), stored))
            case .unreadable(let found):
                outcome.replacedUnreadable[key] = found
                toSet.append((made, key, Array("string".utf8), stored))
            }
        }
        for index in stride(from: 0, to: undecided.count - 2, by: 3) {
            guard let made = undecided[index].bytes, let kind = undecided[index + 1].bytes, let stored = undecided[index + 2].bytes else { continue }
            let key = String(decoding: made, as: UTF8.self)
            let state: StoredTimestamp
            switch String(decoding: kind, as: UTF8.self) {
            case "wrongtype": state = .unreadable("a value of another Redis type")
            case "large": state = .unreadable("a value larger than 4 KiB")
            default: state = inspect(stored)
            }
            switch state {
            case .time(let time) where time > now: outcome.keptNewer[key] = time
            case .time: toSet.append((made, key, kind, stored))
            case .unreadable(let found):
                outcome.replacedUnreadable[key] = found
                toSet.append((made, key, kind, stored))
            }
        }
        guard !toSet.isEmpty else { return (outcome, []) }
        let casReply = try eval(RedisScripts.compareAndSet, keys: toSet.map { String(decoding: $0.made, as: UTF8.self) },
                                arguments: [value] + expiryArguments + toSet.flatMap { [$0.kind, $0.stored] }, on: server, replyLimit: replyLimit)
        guard case .array(let casLists) = casReply, casLists.count == 2, case .array(let casWritten) = casLists[0] else {
            throw unexpected(casReply)
        }
        let casKeys = madeKeys(casWritten)
        outcome.written += casKeys
        if let error = casLists[1].bytes, !error.isEmpty {
            throw PartialStampFailure(outcome: outcome, error: Self.explain(String(decoding: error, as: UTF8.self)))
        }
        let setHere = Set(casKeys)
        return (outcome, toSet.map(\.key).filter { !setHere.contains($0) })
    }

    /// A stored table value as Django would decode it.
    private func inspect(_ bytes: [UInt8]) -> StoredTimestamp {
        guard let value = try? options.codec.decode(bytes) else {
            return .unreadable(bytes.isEmpty ? "an empty value" : "\(bytes.count) bytes that are not a pickled number")
        }
        return Self.timestamp(from: value)
    }

    public func inspectTimestamps(made keys: [String]) throws -> [String: StoredTimestamp] {
        // A table key is a few dozen bytes.
        try fetch(keys, replyLimit: 64 * 1024 + keys.count * 1024).mapValues(inspect)
    }

    public func readValues(_ keys: [String]) throws -> [String: PickleValue] {
        let made = MadeKeys(keys, keyMaker)
        return made.back(try fetch(made.keys, replyLimit: RedisConnection.defaultReplyLimit).reduce(into: [:]) { result, entry in
            result[entry.key] = try decode(entry.value, key: entry.key)
        })
    }

    /// The raw stored bytes of each present made key (one MGET per server).
    private func fetch(_ keys: [String], replyLimit: Int) throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for group in placed(keys) {
            let reply = try pipeline([[Array("MGET".utf8)] + group.keys.map { Array($0.utf8) }],
                                     on: group.server, replyLimit: replyLimit)[0]
            guard case .array(let values) = reply, values.count == group.keys.count else { throw unexpected(reply) }
            for (key, value) in zip(group.keys, values) { result[key] = value.bytes }
        }
        return result
    }

    /// One pipeline per server: SET with the backend's expiry, or DEL for timeout 0.
    public func writeValues(_ values: [String: PickleValue], timeout: Double?) throws {
        let expiry = options.expiry(timeout)
        let byMade = Dictionary(values.map { (keyMaker.makeKey($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        for group in placed(Array(byMade.keys)) {
            let commands = try group.keys.map { key -> [[UInt8]] in
                let made = Array(key.utf8)
                if expiry.mode == "DEL" { return [Array("DEL".utf8), made] }
                let set = [Array("SET".utf8), made, try options.codec.encode(byMade[key]!, timeout: timeout, now: now())]
                return expiry.mode.isEmpty ? set : set + [Array(expiry.mode.utf8), Array(expiry.amount.utf8)]
            }
            _ = try pipeline(commands, on: group.server)
        }
    }

    // MARK: wire

    private func eval(_ script: String, keys: [String], arguments: [[UInt8]], on server: Int, replyLimit: Int) throws -> RedisReply {
        try pipeline([[Array("EVAL".utf8), Array(script.utf8), Array(String(keys.count).utf8)]
                      + keys.map { Array($0.utf8) } + arguments], on: server, replyLimit: replyLimit)[0]
    }

    func send(_ command: [[UInt8]], on server: Int = 0) throws -> RedisReply {
        try pipeline([command], on: server)[0]
    }

    /// Sends commands in one write to one server; connects on first use and
    /// forgets a connection that failed. Error replies become failures.
    func pipeline(_ commands: [[[UInt8]]], on server: Int = 0, replyLimit: Int = RedisConnection.defaultReplyLimit) throws -> [RedisReply] {
        do {
            let connection = try connections[server] ?? RedisConnection(try endpoint(server), timeouts: options.timeouts)
            connections[server] = connection
            let replies = try connection.pipeline(commands, replyLimit: replyLimit)
            for case .error(let message) in replies { throw Self.explain(message) }
            return replies
        } catch let failure as RedisConnection.Failure {
            connections[server] = nil
            throw failure.needsAuthentication ? CachalotError.authenticationRequired(serverSaid: failure.description)
                                              : CachalotError.runtime(failure.description)
        }
    }

    private func decode(_ bytes: [UInt8], key: String) throws -> PickleValue {
        do {
            return try options.codec.decode(bytes)
        } catch {
            throw CachalotError.runtime("key \(key.prefix(120)): \(error)")
        }
    }

    func unexpected(_ reply: RedisReply) -> CachalotError {
        .runtime("unexpected reply from Redis: \(String(describing: reply).prefix(80))")
    }

    /// Names the Redis error replies that have a known cause.
    static func explain(_ message: String) -> CachalotError {
        if message.hasPrefix("OOM") { return .outOfMemory(serverSaid: message) }
        if message.hasPrefix("NOAUTH") { return .authenticationRequired(serverSaid: message) }
        if message.hasPrefix("WRONGPASS") { return .authenticationFailed(serverSaid: message) }
        if message.hasPrefix("NOPERM") {
            return .runtime("the Redis user may not run a command cachalot needs: \(message)",
                            hint: "invalidate needs EVAL and, inside its scripts, GET, SET and DEL; the man page (REDIS PERMISSIONS) lists what each command sends")
        }
        return .runtime("Redis error: \(message)")
    }
}
