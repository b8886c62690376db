/// Django's `RedisCache`, django-redis's and django-valkey's with their
/// clients, and django-valkey's cluster backend. Writes and reads go to the
/// first LOCATION, as Django and django-redis's default client write (a
/// replica could lag behind it); to the server its ring picks for each key
/// with ShardClient; to the master the sentinels name with SentinelClient;
/// to the primary owning each key's hash slot on a cluster
/// (RedisCacheStore+Cluster). Each server gets one round trip per step.
public final class RedisCacheStore: CacheStore {
    public let settings: CacheSettings
    let options: RedisOptions
    public let keyMaker: DjangoKeyMaker
    let now: () -> Double
    private var connections: [Int: RedisConnection] = [:]
    private var sentinelMaster: RedisEndpoint?
    /// django-valkey's cluster backend: the slots' owners, read on first use.
    var clusterMap: RedisClusterMap
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
        self.clusterMap = RedisClusterMap(seeds: options.endpoints)
    }

    public var address: String {
        switch options.topology {
        case .primary: return options.endpoints[0].description
        case .shard: return options.endpoints.map(\.description).joined(separator: ",")
        case .sentinel(let sentinels): return sentinelMaster.map { "\(sentinels.description) → \($0.description)" } ?? sentinels.description
        case .cluster: return "cluster " + options.endpoints.map(\.description).joined(separator: ",")
        }
    }

    /// The servers a cache's keys can live on: one, a shard ring's, or a
    /// cluster's primaries.
    func servers() throws -> [Int] {
        switch options.topology {
        case .shard: return Array(options.endpoints.indices)
        case .cluster: return try readClusterMap().primaries
        case .primary, .sentinel: return [0]
        }
    }

    /// Made keys grouped by the server holding each.
    func placed(_ keys: [String]) throws -> [(server: Int, keys: [String])] {
        guard !keys.isEmpty else { return [] }
        let groups: [Int: [String]]
        switch options.topology {
        case .primary, .sentinel: return [(0, keys)]
        case .shard(let ring): groups = Dictionary(grouping: keys) { ring.server(for: $0) }
        case .cluster: groups = try Dictionary(grouping: keys) { try clusterOwner(ofSlot: RedisClusterSlot.of($0)) }
        }
        return groups.keys.sorted().map { ($0, groups[$0]!) }
    }

    func endpoint(_ server: Int) throws -> RedisEndpoint {
        switch options.topology {
        case .primary, .shard: return options.endpoints[server]
        case .cluster: return clusterMap.nodes[server]
        case .sentinel(let sentinels):
            if let master = sentinelMaster { return master }
            let master = try sentinels.resolve(timeouts: options.timeouts)
            sentinelMaster = master
            return master
        }
    }

    /// A server's address for messages.
    func named(_ server: Int) -> String { (try? endpoint(server).description) ?? "server \(server)" }

    /// Stamps each server's keys; when some servers fail after others were
    /// written, the failure says which were written and which server failed.
    public func stampTables(made keys: [String], at now: Double, timeout: Double?) throws -> StampOutcome {
        if case .cluster = options.topology { return try stampCluster(keys, at: now, cachalotTimeout: timeout) }
        let groups = try placed(keys)
        if groups.count <= 1 { return try groups.first.map { try stamp($0.keys, on: $0.server, at: now, timeout: timeout) } ?? StampOutcome() }
        var outcome = StampOutcome()
        var failures: [String] = []
        for group in groups {
            do {
                outcome.merge(try stamp(group.keys, on: group.server, at: now, timeout: timeout))
            } catch let partial as PartialStampFailure {
                outcome.merge(partial.outcome)
                failures.append("\(named(group.server)): \(partial.error.message)")
            } catch {
                failures.append("\(named(group.server)): \(CachalotError(error).message)")
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
                "server \(named(server)): \(pending.count) table keys kept changing under \(Self.stampAttempts) attempts"))
        }
        return outcome
    }

    /// One read-decide-write pass: the stamp script, then a compare-and-set
    /// for what only the client can decode. Returns the keys whose
    /// compare-and-set found another value than the one decided on.
    private func stampOnce(_ keys: [String], on server: Int, at now: Double, timeout: Double?)
        throws -> (outcome: StampOutcome, changedMeanwhile: [String]) {
        guard !keys.isEmpty else { return (StampOutcome(), []) }
        let write = try StampWrite(self, now: now, timeout: timeout)
        var verdict = try readStampReply(try pipeline([write.stampCommand(keys)], on: server, replyLimit: write.replyLimit(keys.count))[0],
                                         keys: keys, now: now)
        if let error = verdict.error { throw PartialStampFailure(outcome: verdict.outcome, error: Self.explain(error)) }
        guard !verdict.toSet.isEmpty else { return (verdict.outcome, []) }
        let set = try readCompareAndSetReply(try pipeline([write.compareAndSetCommand(verdict.toSet)], on: server,
                                                          replyLimit: write.replyLimit(keys.count))[0])
        verdict.outcome.written += set.written
        if let error = set.error { throw PartialStampFailure(outcome: verdict.outcome, error: Self.explain(error)) }
        return (verdict.outcome, verdict.changedMeanwhile(setting: set.written))
    }

    /// The commands of one stamping pass: the value, the expiry and the
    /// scripts, by EVAL or (many scripts to one server) EVALSHA.
    struct StampWrite {
        let value: [UInt8]
        let expiryArguments: [[UInt8]]
        let nowText: [UInt8]
        var bySHA = false

        init(_ store: RedisCacheStore, now: Double, timeout: Double?) throws {
            value = try store.options.codec.encode(.float(now), timeout: timeout, now: store.now())
            let expiry = store.options.tableKeyExpiry(timeout)
            expiryArguments = [Array(expiry.mode.utf8), Array(expiry.amount.utf8)]
            nowText = Array(PythonFloatRepr.repr(now).utf8)
        }

        /// Every reply is keys and stored table values: a few hundred bytes each.
        func replyLimit(_ keys: Int) -> Int { 64 * 1024 + keys * 1024 }

        func stampCommand(_ keys: [String]) -> [[UInt8]] {
            RedisScripts.call(RedisScripts.stamp, loadedAs: bySHA ? RedisScripts.stampSHA1 : nil,
                              keys: keys.map { Array($0.utf8) }, arguments: [nowText, value] + expiryArguments)
        }

        func compareAndSetCommand(_ toSet: [PendingSet]) -> [[UInt8]] {
            RedisScripts.call(RedisScripts.compareAndSet, loadedAs: bySHA ? RedisScripts.compareAndSetSHA1 : nil, keys: toSet.map(\.made),
                              arguments: [value] + expiryArguments + toSet.flatMap { [$0.kind, $0.stored] })
        }
    }

    /// A table key the stamp script left to the client: what it saw there.
    typealias PendingSet = (made: [UInt8], key: String, kind: [UInt8], stored: [UInt8])

    /// What a stamp script's reply says: the outcome so far, what the
    /// client must compare-and-set, and the server's error that stopped it.
    struct StampVerdict {
        var outcome = StampOutcome()
        var toSet: [PendingSet] = []
        var error: String?

        func changedMeanwhile(setting written: [String]) -> [String] {
            let setHere = Set(written)
            return toSet.map(\.key).filter { !setHere.contains($0) }
        }
    }

    private static func madeKeys(_ made: [RedisReply]) -> [String] {
        made.compactMap { $0.bytes.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// The stamp script's reply to `keys` (RedisScripts.stamp).
    func readStampReply(_ reply: RedisReply, keys: [String], now: Double) throws -> StampVerdict {
        guard case .array(let lists) = reply, lists.count == 5, case .array(let kept) = lists[0],
              case .array(let undecided) = lists[1], case .array(let created) = lists[4] else { throw unexpected(reply) }
        var verdict = StampVerdict()
        switch lists[2] {
        case .array(let written):
            verdict.outcome.written = Self.madeKeys(written)
        case .string(let marker) where marker == [UInt8(ascii: "*")]:
            // Every key it neither kept nor left undecided.
            let left = Set(Self.madeKeys(stride(from: 0, to: kept.count, by: 2).map { kept[$0] })
                           + Self.madeKeys(stride(from: 0, to: undecided.count, by: 3).map { undecided[$0] }))
            verdict.outcome.written = left.isEmpty ? keys : keys.filter { !left.contains($0) }
        default:
            throw unexpected(reply)
        }
        verdict.outcome.created = Self.madeKeys(created)
        if let error = lists[3].bytes, !error.isEmpty {
            verdict.error = String(decoding: error, as: UTF8.self)
            return verdict
        }
        // Decided here: values the script could not read (compressed by
        // django-redis, corrupt, another type), and kept ones that do not decode.
        func decide(_ made: [UInt8], _ kind: [UInt8], _ stored: [UInt8], _ state: StoredTimestamp) {
            let key = String(decoding: made, as: UTF8.self)
            switch state {
            case .time(let time) where time > now: verdict.outcome.keptNewer[key] = time
            case .time: verdict.toSet.append((made, key, kind, stored))
            case .unreadable(let found):
                verdict.outcome.replacedUnreadable[key] = found
                verdict.toSet.append((made, key, kind, stored))
            }
        }
        for index in stride(from: 0, to: kept.count - 1, by: 2) {
            guard let made = kept[index].bytes, let stored = kept[index + 1].bytes else { continue }
            decide(made, Array("string".utf8), stored, inspect(stored))
        }
        for index in stride(from: 0, to: undecided.count - 2, by: 3) {
            guard let made = undecided[index].bytes, let kind = undecided[index + 1].bytes, let stored = undecided[index + 2].bytes else { continue }
            switch String(decoding: kind, as: UTF8.self) {
            case "wrongtype": decide(made, kind, stored, .unreadable("a value of another Redis type"))
            case "large": decide(made, kind, stored, .unreadable("a value larger than 4 KiB"))
            default: decide(made, kind, stored, inspect(stored))
            }
        }
        return verdict
    }

    func readCompareAndSetReply(_ reply: RedisReply) throws -> (written: [String], error: String?) {
        guard case .array(let lists) = reply, lists.count == 2, case .array(let written) = lists[0] else { throw unexpected(reply) }
        let error = lists[1].bytes.flatMap { $0.isEmpty ? nil : String(decoding: $0, as: UTF8.self) }
        return (Self.madeKeys(written), error)
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

    /// The raw stored bytes of each present made key (one MGET per server;
    /// on a cluster, per hash slot).
    private func fetch(_ keys: [String], replyLimit: Int) throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for group in try sent(keys, replyLimit: replyLimit, { [[Array("MGET".utf8)] + $0.map { Array($0.utf8) }] }) {
            guard case .array(let values) = group.replies[0], values.count == group.keys.count else { throw unexpected(group.replies[0]) }
            for (key, value) in zip(group.keys, values) { result[key] = value.bytes }
        }
        return result
    }

    /// One pipeline per server: SET with the backend's expiry, or DEL for
    /// timeout 0. A float is a table key, which a cluster's set_many never
    /// expires (RedisOptions.tableKeyExpiry).
    public func writeValues(_ values: [String: PickleValue], timeout: Double?) throws {
        let byMade = Dictionary(values.map { (keyMaker.makeKey($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        _ = try sent(Array(byMade.keys), replyLimit: RedisConnection.defaultReplyLimit) { keys in
            try keys.map { key -> [[UInt8]] in
                let value = byMade[key]!
                let expiry = if case .float = value { options.tableKeyExpiry(timeout) } else { options.expiry(timeout) }
                let made = Array(key.utf8)
                if expiry.mode == "DEL" { return [Array("DEL".utf8), made] }
                let set = [Array("SET".utf8), made, try options.codec.encode(value, timeout: timeout, now: now())]
                return expiry.mode.isEmpty ? set : set + [Array(expiry.mode.utf8), Array(expiry.amount.utf8)]
            }
        }
    }

    /// `commands` for each group of keys one server holds, each server's in
    /// one pipeline; on a cluster one group per hash slot, routed.
    private func sent(_ keys: [String], replyLimit: Int, _ commands: ([String]) throws -> [[[UInt8]]])
        throws -> [(keys: [String], replies: [RedisReply])] {
        if case .cluster = options.topology {
            // A command per key (SET) is a unit of its own: one that got ASK
            // is sent again alone, never after the commands that succeeded.
            let units = try Self.bySlot(keys).flatMap { slot -> [SlotCommands] in
                let made = try commands(slot.keys)
                guard made.count > 1, made.count == slot.keys.count else { return [SlotCommands(slot: slot.slot, keys: slot.keys, commands: made)] }
                return zip(slot.keys, made).map { SlotCommands(slot: slot.slot, keys: [$0], commands: [$1]) }
            }
            return zip(units, try routedAll(units, replyLimit: replyLimit)).map { ($0.keys, $1) }
        }
        return try placed(keys).map { group in (group.keys, try pipeline(commands(group.keys), on: group.server, replyLimit: replyLimit)) }
    }

    // MARK: wire

    func send(_ command: [[UInt8]], on server: Int = 0) throws -> RedisReply {
        try pipeline([command], on: server)[0]
    }

    /// Sends commands in one write to one server; connects on first use and
    /// forgets a connection that failed. Error replies become failures,
    /// unless the caller expects some (`keepingErrors`).
    func pipeline(_ commands: [[[UInt8]]], on server: Int = 0, replyLimit: Int = RedisConnection.defaultReplyLimit,
                  keepingErrors: Bool = false) throws -> [RedisReply] {
        do {
            let replies = try replies(commands, on: server, replyLimit: replyLimit)
            if !keepingErrors { for case .error(let message) in replies { throw Self.explain(message) } }
            return replies
        } catch let failure as RedisConnection.Failure {
            throw Self.error(failure)
        }
    }

    static func error(_ failure: RedisConnection.Failure) -> CachalotError {
        failure.needsAuthentication ? .authenticationRequired(serverSaid: failure.description) : .runtime(failure.description)
    }

    /// The replies as they came, errors included; a connection that failed
    /// is forgotten (RedisConnection.Failure).
    func replies(_ commands: [[[UInt8]]], on server: Int, replyLimit: Int = RedisConnection.defaultReplyLimit) throws -> [RedisReply] {
        do {
            let connection = try connections[server] ?? RedisConnection(try endpoint(server), timeouts: options.timeouts)
            connections[server] = connection
            return try connection.pipeline(commands, replyLimit: replyLimit)
        } catch let failure as RedisConnection.Failure {
            connections[server] = nil
            throw failure
        }
    }

    private func decode(_ bytes: [UInt8], key: String) throws -> PickleValue {
        do {
            return try options.codec.decode(bytes)
        } catch {
            throw CachalotError.runtime("key \(key.prefix(120)): \(error)")
        }
    }

    static func unexpected(_ reply: RedisReply) -> CachalotError {
        .runtime("unexpected reply from Redis: \(String(describing: reply).prefix(80))")
    }

    func unexpected(_ reply: RedisReply) -> CachalotError { Self.unexpected(reply) }

    /// Names the Redis error replies that have a known cause.
    static func explain(_ message: String) -> CachalotError {
        if message.hasPrefix("OOM") { return .outOfMemory(serverSaid: message) }
        if message.hasPrefix("NOAUTH") { return .authenticationRequired(serverSaid: message) }
        if message.hasPrefix("WRONGPASS") { return .authenticationFailed(serverSaid: message) }
        // A script's command the ACL refuses comes back without the NOPERM prefix.
        if message.hasPrefix("NOPERM") || message.includes("can't run this command") {
            return .runtime("the Redis user may not run a command cachalot needs: \(message)",
                            hint: "invalidate needs EVAL and, inside its scripts, MGET, EXISTS, MSET, GET, SET and DEL (on a cluster also CLUSTER SLOTS, SCRIPT LOAD, EVALSHA, WAIT and ASKING); the man page (REDIS, REDIS CLUSTER) lists what each command sends")
        }
        return .runtime("Redis error: \(message)")
    }
}
