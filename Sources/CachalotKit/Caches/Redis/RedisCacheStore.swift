/// Django's `RedisCache` and django-redis's `RedisCache` (default client).
/// Writes and reads go to the first LOCATION, as Django writes; a replica
/// could lag behind it.
public final class RedisCacheStore: CacheStore {
    public let settings: CacheSettings
    let options: RedisOptions
    let keyMaker: DjangoKeyMaker
    let now: () -> Double
    private var connection: RedisConnection?

    /// Checks the settings; connects on first use.
    public init(settings: CacheSettings, timeout: Double?, clock: @escaping () -> Double) throws {
        self.settings = settings
        self.options = try RedisOptions(settings, timeoutOverride: timeout)
        self.keyMaker = DjangoKeyMaker(settings)
        self.now = clock
    }

    public var address: String { options.endpoint.description }

    public func stampTables(_ keys: [String], at now: Double, timeout: Double?) throws -> StampOutcome {
        guard !keys.isEmpty else { return StampOutcome() }
        let cachalotKeyByMadeKey = Dictionary(keys.map { (keyMaker.makeKey($0), $0) }, uniquingKeysWith: { first, _ in first })
        let value = try options.codec.encode(.float(now), timeout: timeout, now: self.now())
        let expiry = options.expiry(timeout)
        let expiryArguments = [Array(expiry.mode.utf8), Array(expiry.amount.utf8)]
        // Every reply is keys and stored table values: a few hundred bytes each.
        let replyLimit = 64 * 1024 + keys.count * 1024
        let reply = try eval(RedisScripts.stamp, keys: keys.map(keyMaker.makeKey),
                             arguments: [Array(PythonFloatRepr.repr(now).utf8), value] + expiryArguments, replyLimit: replyLimit)
        guard case .array(let lists) = reply, lists.count == 4, case .array(let kept) = lists[0],
              case .array(let undecided) = lists[1], case .array(let written) = lists[2] else { throw unexpected(reply) }
        var outcome = StampOutcome()
        outcome.written = written.compactMap { $0.bytes.flatMap { cachalotKeyByMadeKey[String(decoding: $0, as: UTF8.self)] } }
        if let error = lists[3].bytes, !error.isEmpty {
            throw PartialStampFailure(outcome: outcome, error: Self.explain(String(decoding: error, as: UTF8.self)))
        }
        // Decided here: values the script could not read (compressed by
        // django-redis, corrupt, another type), and kept ones that do not decode.
        var toSet: [(made: [UInt8], key: String, kind: [UInt8], stored: [UInt8])] = []
        for index in stride(from: 0, to: kept.count - 1, by: 2) {
            guard let made = kept[index].bytes, let stored = kept[index + 1].bytes,
                  let key = cachalotKeyByMadeKey[String(decoding: made, as: UTF8.self)] else { continue }
            switch inspect(stored) {
            case .time(let time) where time > now: outcome.keptNewer[key] = time
            case .time: toSet.append((made, key, Array("string".utf8), stored))
            case .unreadable(let found):
                outcome.replacedUnreadable[key] = found
                toSet.append((made, key, Array("string".utf8), stored))
            }
        }
        for index in stride(from: 0, to: undecided.count - 2, by: 3) {
            guard let made = undecided[index].bytes, let kind = undecided[index + 1].bytes, let stored = undecided[index + 2].bytes,
                  let key = cachalotKeyByMadeKey[String(decoding: made, as: UTF8.self)] else { continue }
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
        guard !toSet.isEmpty else { return outcome }
        let casReply = try eval(RedisScripts.compareAndSet, keys: toSet.map { String(decoding: $0.made, as: UTF8.self) },
                                arguments: [value] + expiryArguments + toSet.flatMap { [$0.kind, $0.stored] }, replyLimit: replyLimit)
        guard case .array(let casLists) = casReply, casLists.count == 2, case .array(let casWritten) = casLists[0] else {
            throw unexpected(casReply)
        }
        outcome.written += casWritten.compactMap { $0.bytes.flatMap { cachalotKeyByMadeKey[String(decoding: $0, as: UTF8.self)] } }
        if let error = casLists[1].bytes, !error.isEmpty {
            throw PartialStampFailure(outcome: outcome, error: Self.explain(String(decoding: error, as: UTF8.self)))
        }
        return outcome
    }

    /// A stored table value as Django would decode it.
    private func inspect(_ bytes: [UInt8]) -> StoredTimestamp {
        guard let value = try? options.codec.decode(bytes) else {
            return .unreadable(bytes.isEmpty ? "an empty value" : "\(bytes.count) bytes that are not a pickled number")
        }
        return Self.timestamp(from: value)
    }

    public func inspectTimestamps(_ keys: [String]) throws -> [String: StoredTimestamp] {
        // A table key is a few dozen bytes.
        try fetch(keys, replyLimit: 64 * 1024 + keys.count * 1024).mapValues(inspect)
    }

    public func readValues(_ keys: [String]) throws -> [String: PickleValue] {
        try fetch(keys, replyLimit: RedisConnection.defaultReplyLimit).reduce(into: [:]) { result, entry in
            result[entry.key] = try decode(entry.value, key: entry.key)
        }
    }

    /// The raw stored bytes of each present key (one MGET).
    private func fetch(_ keys: [String], replyLimit: Int) throws -> [String: [UInt8]] {
        guard !keys.isEmpty else { return [:] }
        let reply = try pipeline([[Array("MGET".utf8)] + keys.map { Array(keyMaker.makeKey($0).utf8) }], replyLimit: replyLimit)[0]
        guard case .array(let values) = reply, values.count == keys.count else { throw unexpected(reply) }
        var result: [String: [UInt8]] = [:]
        for (key, value) in zip(keys, values) { result[key] = value.bytes }
        return result
    }

    /// One pipeline: SET with the backend's expiry, or DEL for timeout 0.
    public func writeValues(_ values: [String: PickleValue], timeout: Double?) throws {
        guard !values.isEmpty else { return }
        let expiry = options.expiry(timeout)
        let commands = try values.map { key, value -> [[UInt8]] in
            let made = Array(keyMaker.makeKey(key).utf8)
            if expiry.mode == "DEL" { return [Array("DEL".utf8), made] }
            let set = [Array("SET".utf8), made, try options.codec.encode(value, timeout: timeout, now: now())]
            return expiry.mode.isEmpty ? set : set + [Array(expiry.mode.utf8), Array(expiry.amount.utf8)]
        }
        _ = try pipeline(commands)
    }

    // MARK: wire

    private func eval(_ script: String, keys: [String], arguments: [[UInt8]], replyLimit: Int) throws -> RedisReply {
        try pipeline([[Array("EVAL".utf8), Array(script.utf8), Array(String(keys.count).utf8)]
                      + keys.map { Array($0.utf8) } + arguments], replyLimit: replyLimit)[0]
    }

    func send(_ command: [[UInt8]]) throws -> RedisReply {
        try pipeline([command])[0]
    }

    /// Sends commands in one write; connects on first use and forgets a
    /// connection that failed. Error replies become failures.
    func pipeline(_ commands: [[[UInt8]]], replyLimit: Int = RedisConnection.defaultReplyLimit) throws -> [RedisReply] {
        do {
            let connection = try self.connection ?? RedisConnection(options.endpoint, timeouts: options.timeouts)
            self.connection = connection
            let replies = try connection.pipeline(commands, replyLimit: replyLimit)
            for case .error(let message) in replies { throw Self.explain(message) }
            return replies
        } catch let failure as RedisConnection.Failure {
            connection = nil
            throw failure.needsAuthentication ? CachalotError.authenticationRequired(serverSaid: failure.description)
                                              : CachalotError.runtime(failure.description)
        }
    }

    private func decode(_ bytes: [UInt8], key: String) throws -> PickleValue {
        do {
            return try options.codec.decode(bytes)
        } catch {
            throw CachalotError.runtime("key \(keyMaker.makeKey(key).prefix(120)): \(error)")
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
        return .runtime("Redis error: \(message)")
    }
}
