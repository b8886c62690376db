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

    public func stampTables(_ keys: [String], at now: Double, timeout: Double?) throws -> [String: Double] {
        guard !keys.isEmpty else { return [:] }
        let cachalotKeyByMadeKey = Dictionary(uniqueKeysWithValues: keys.map { (keyMaker.makeKey($0), $0) })
        let made = keys.map(keyMaker.makeKey)
        let value = try options.codec.encode(.float(now))
        let expiry = options.expiry(timeout)
        let reply = try eval(RedisScripts.stamp, keys: made,
                             arguments: [Array(PythonFloatRepr.repr(now).utf8), value, Array(expiry.mode.utf8), Array(expiry.amount.utf8)])
        guard case .array(let lists) = reply, lists.count == 2,
              case .array(let kept) = lists[0], case .array(let undecided) = lists[1] else { throw unexpected(reply) }

        var result: [String: Double] = [:]
        for (madeKey, stored) in pairs(kept) {
            guard let key = cachalotKeyByMadeKey[madeKey] else { continue }
            result[key] = try timestamp(from: try decode(stored, key: key), key: key)
        }
        // Values the script could not read (compressed by django-redis): decide here.
        var toSet: [(madeKey: String, stored: [UInt8])] = []
        for (madeKey, stored) in pairs(undecided) {
            guard let key = cachalotKeyByMadeKey[madeKey] else { continue }
            let storedTime = try timestamp(from: try decode(stored, key: key), key: key)
            if storedTime > now { result[key] = storedTime } else { toSet.append((madeKey, stored)) }
        }
        if !toSet.isEmpty {
            // A key that changed meanwhile was written by a live writer, which
            // invalidated it as well: nothing left to do for it.
            _ = try eval(RedisScripts.compareAndSet, keys: toSet.map(\.madeKey),
                         arguments: [value, Array(expiry.mode.utf8), Array(expiry.amount.utf8)] + toSet.map(\.stored))
        }
        return result
    }

    public func readValues(_ keys: [String]) throws -> [String: PickleValue] {
        guard !keys.isEmpty else { return [:] }
        let reply = try send([Array("MGET".utf8)] + keys.map { Array(keyMaker.makeKey($0).utf8) })
        guard case .array(let values) = reply, values.count == keys.count else { throw unexpected(reply) }
        var result: [String: PickleValue] = [:]
        for (key, value) in zip(keys, values) {
            if let bytes = value.bytes { result[key] = try decode(bytes, key: key) }
        }
        return result
    }

    /// One pipeline: SET with the backend's expiry, or DEL for timeout 0.
    public func writeValues(_ values: [String: PickleValue], timeout: Double?) throws {
        guard !values.isEmpty else { return }
        let expiry = options.expiry(timeout)
        let commands = try values.map { key, value -> [[UInt8]] in
            let made = Array(keyMaker.makeKey(key).utf8)
            if expiry.mode == "DEL" { return [Array("DEL".utf8), made] }
            let set = [Array("SET".utf8), made, try options.codec.encode(value)]
            return expiry.mode.isEmpty ? set : set + [Array(expiry.mode.utf8), Array(expiry.amount.utf8)]
        }
        _ = try pipeline(commands)
    }

    // MARK: wire

    private func eval(_ script: String, keys: [String], arguments: [[UInt8]]) throws -> RedisReply {
        try send([Array("EVAL".utf8), Array(script.utf8), Array(String(keys.count).utf8)]
                 + keys.map { Array($0.utf8) } + arguments)
    }

    func send(_ command: [[UInt8]]) throws -> RedisReply {
        try pipeline([command])[0]
    }

    /// Sends commands in one write; connects on first use and forgets a
    /// connection that failed. Error replies become failures.
    func pipeline(_ commands: [[[UInt8]]]) throws -> [RedisReply] {
        do {
            let connection = try self.connection ?? RedisConnection(options.endpoint, timeout: options.connectTimeout)
            self.connection = connection
            let replies = try connection.pipeline(commands)
            for case .error(let message) in replies { throw Self.explain(message) }
            return replies
        } catch let failure as RedisConnection.Failure {
            connection = nil
            throw CachalotError.runtime(failure.description)
        }
    }

    private func decode(_ bytes: [UInt8], key: String) throws -> PickleValue {
        do {
            return try options.codec.decode(bytes)
        } catch {
            throw CachalotError.runtime("key \(keyMaker.makeKey(key)) holds a value that is not a cachalot timestamp: \(error)")
        }
    }

    private func pairs(_ items: [RedisReply]) -> [(String, [UInt8])] {
        stride(from: 0, to: items.count - 1, by: 2).compactMap { index in
            guard let key = items[index].bytes, let value = items[index + 1].bytes else { return nil }
            return (String(decoding: key, as: UTF8.self), value)
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
