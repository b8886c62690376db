/// Redis keyspace notifications on a cache's table keys, for `watch`: a
/// subscription per server to `__keyspace@<db>__:<made key>` of each table
/// key it holds, so a write is seen the moment it happens. Only when the
/// server already sends them (its `notify-keyspace-events` has K, and $ or
/// A), or when the user asked cachalot to turn them on — recorded in a
/// `KeyspaceNotificationChanges`, which puts them back at the end.
public final class RedisKeyspaceFeed {
    private struct Subscription {
        var connection: RedisConnection
        var reader = RedisReplyReader(limit: 64 * 1024, perReply: true)
        var endpoint: RedisEndpoint
    }

    /// Why a cache cannot be followed by notifications.
    public enum Unavailable: Error, Equatable {
        /// The server's setting, without keyspace SET events.
        case off(server: String, flags: String)
        /// The setting cannot be read (CONFIG renamed or refused on managed Redis).
        case unreadable(server: String, reason: String)

        public var description: String {
            switch self {
            case .off(let server, let flags): return "\(server) has notify-keyspace-events \"\(flags)\" (keyspace SET events need K and $)"
            case .unreadable(let server, let reason): return "\(server) does not let its notify-keyspace-events be read (\(reason))"
            }
        }
    }

    private var subscriptions: [Subscription] = []

    private init() {}

    /// The servers' sockets, to wait on with poll().
    public var descriptors: [Int32] { subscriptions.map(\.connection.descriptor) }

    /// Whether a server's `notify-keyspace-events` sends SET on keyspace channels.
    static func sendsKeyspaceSets(_ flags: String) -> Bool {
        flags.contains("K") && (flags.contains("$") || flags.contains("A"))
    }

    /// Subscribes to every table key's channel on the server holding it.
    /// A server without keyspace notifications is turned on when `enabling`
    /// is given (and the change recorded there first), else the cache is
    /// `Unavailable` and the caller polls it. Connection failures throw.
    public static func open(_ store: RedisCacheStore, keys: [String],
                            enabling: KeyspaceNotificationChanges?) throws -> Result<RedisKeyspaceFeed, Unavailable> {
        let feed = RedisKeyspaceFeed()
        for group in try store.placed(keys.map(store.keyMaker.makeKey)) {
            let endpoint = try store.endpoint(group.server)
            let connection = try connect(endpoint, timeouts: store.options.timeouts)
            let flags: String
            do {
                flags = try currentFlags(connection)
            } catch {
                return .failure(.unreadable(server: endpoint.description, reason: CachalotError(error).message))
            }
            if !sendsKeyspaceSets(flags) {
                guard let enabling else { return .failure(.off(server: endpoint.description, flags: flags)) }
                let wanted = flags + "K$"
                enabling.record(endpoint, timeouts: store.options.timeouts, original: flags, set: wanted)
                try configure(connection, flags: wanted)
                enabling.confirm(endpoint, set: try currentFlags(connection))
            }
            let channels = group.keys.map { Array("__keyspace@\(endpoint.database)__:\($0)".utf8) }
            do {
                try connection.subscribe(channels)
            } catch let failure as RedisConnection.Failure {
                throw CachalotError.runtime("\(endpoint.description): \(failure.description)")
            }
            feed.subscriptions.append(Subscription(connection: connection, endpoint: endpoint))
        }
        return .success(feed)
    }

    /// Reads what the servers pushed on the sockets poll() found readable;
    /// true when a message came (a table key was written).
    public func drain(readable: Set<Int32>) throws -> Bool {
        var changed = false
        for index in subscriptions.indices where readable.contains(subscriptions[index].connection.descriptor) {
            do {
                let messages = try subscriptions[index].connection.receivePushes(into: &subscriptions[index].reader)
                changed = changed || !messages.isEmpty
            } catch let failure as RedisConnection.Failure {
                throw CachalotError.runtime("\(subscriptions[index].endpoint.description): \(failure.description)")
            }
        }
        return changed
    }

    static func connect(_ endpoint: RedisEndpoint, timeouts: RedisTimeouts) throws -> RedisConnection {
        do {
            return try RedisConnection(endpoint, timeouts: timeouts)
        } catch let failure as RedisConnection.Failure {
            throw CachalotError.runtime("\(endpoint.description): \(failure.description)")
        }
    }

    static func currentFlags(_ connection: RedisConnection) throws -> String {
        let reply = try run(connection, ["CONFIG", "GET", "notify-keyspace-events"])
        guard case .array(let pair) = reply, pair.count == 2, let value = pair[1].bytes else {
            throw CachalotError.runtime("unexpected reply to CONFIG GET: \(String(describing: reply).prefix(80))")
        }
        return String(decoding: value, as: UTF8.self)
    }

    static func configure(_ connection: RedisConnection, flags: String) throws {
        _ = try run(connection, ["CONFIG", "SET", "notify-keyspace-events", flags])
    }

    private static func run(_ connection: RedisConnection, _ words: [String]) throws -> RedisReply {
        do {
            let reply = try connection.command(words.map { Array($0.utf8) })
            if case .error(let message) = reply { throw RedisCacheStore.explain(message) }
            return reply
        } catch let failure as RedisConnection.Failure {
            throw CachalotError.runtime(failure.description)
        }
    }
}

/// The `notify-keyspace-events` cachalot turned on, per server, from the
/// first time it saw each (a server that restarts mid-watch is turned on
/// again, its first setting kept), to put back once when `watch` ends.
public final class KeyspaceNotificationChanges {
    private struct Change {
        var endpoint: RedisEndpoint
        var timeouts: RedisTimeouts
        var original: String
        /// What the server reported after cachalot's CONFIG SET (normalised).
        var set: String
    }

    private var changes: [String: Change] = [:]

    public init() {}

    func record(_ endpoint: RedisEndpoint, timeouts: RedisTimeouts, original: String, set: String) {
        if changes[endpoint.description] == nil {
            changes[endpoint.description] = Change(endpoint: endpoint, timeouts: timeouts, original: original, set: set)
        }
    }

    func confirm(_ endpoint: RedisEndpoint, set: String) {
        changes[endpoint.description]?.set = set
    }

    /// Puts each server's setting back, unless it no longer holds what
    /// cachalot set (someone changed it since: theirs stays). Returns what
    /// could not be put back, in words.
    public func restore() -> [String] {
        var problems: [String] = []
        for change in changes.values.sorted(by: { $0.endpoint.description < $1.endpoint.description }) {
            do {
                let connection = try RedisKeyspaceFeed.connect(change.endpoint, timeouts: change.timeouts)
                let now = try RedisKeyspaceFeed.currentFlags(connection)
                guard now == change.set else {
                    problems.append("\(change.endpoint.description): notify-keyspace-events is \"\(now)\", not what cachalot set; left as it is (it was \"\(change.original)\")")
                    continue
                }
                try RedisKeyspaceFeed.configure(connection, flags: change.original)
            } catch {
                problems.append("\(change.endpoint.description): could not put notify-keyspace-events back to \"\(change.original)\": \(CachalotError(error).message)")
            }
        }
        changes = [:]
        return problems
    }
}
