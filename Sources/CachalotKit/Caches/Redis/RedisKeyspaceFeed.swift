/// Redis keyspace notifications on a cache's table keys, for `watch`: a
/// subscription per server to `__keyspace@<db>__:<made key>` of each table
/// key it holds, so a write is seen the moment it happens and nothing is
/// polled in between. Only when the server already sends them (its
/// `notify-keyspace-events` has K, and $ or A), or when the user asked
/// cachalot to turn them on — then the server's setting is put back as it
/// was by `close()`.
public final class RedisKeyspaceFeed {
    private struct Subscription {
        var connection: RedisConnection
        var reader = RedisReplyReader(limit: 64 * 1024)
        /// The setting found, to restore; nil when cachalot changed nothing.
        var restoreFlags: String?
        var endpoint: RedisEndpoint
        var timeouts: RedisTimeouts
    }

    private var subscriptions: [Subscription]

    private init(_ subscriptions: [Subscription]) {
        self.subscriptions = subscriptions
    }

    /// The servers' sockets, to wait on with poll().
    public var descriptors: [Int32] { subscriptions.map(\.connection.descriptor) }

    /// Whether a server's `notify-keyspace-events` sends SET on keyspace channels.
    static func sendsKeyspaceSets(_ flags: String) -> Bool {
        flags.contains("K") && (flags.contains("$") || flags.contains("A"))
    }

    /// Subscribes to every table key's channel on the server holding it.
    /// Returns nil when a server does not send keyspace notifications and
    /// `enable` is false, or does not let its setting be read (CONFIG is
    /// often renamed on managed Redis): the caller polls instead, and
    /// `reason` says why.
    public static func open(_ store: RedisCacheStore, keys: [String], enable: Bool) throws -> (feed: RedisKeyspaceFeed?, reason: String?) {
        var subscriptions: [Subscription] = []
        var opened: RedisKeyspaceFeed { RedisKeyspaceFeed(subscriptions) }
        for group in store.placed(keys) {
            let endpoint = try store.endpoint(group.server)
            let connection = try connect(endpoint, timeouts: store.options.timeouts)
            let flags: String
            do {
                flags = try currentFlags(connection)
            } catch {
                opened.close()
                return (nil, "\(endpoint.description) does not let its notify-keyspace-events be read (\(CachalotError(error).message))")
            }
            var restore: String?
            if !sendsKeyspaceSets(flags) {
                guard enable else {
                    opened.close()
                    return (nil, "\(endpoint.description) has notify-keyspace-events \"\(flags)\" (keyspace SET events need K and $)")
                }
                try configure(connection, flags: flags + "K$")
                restore = flags
            }
            subscriptions.append(Subscription(connection: connection, restoreFlags: restore, endpoint: endpoint,
                                              timeouts: store.options.timeouts))
            let channels = group.keys.map { Array("__keyspace@\(endpoint.database)__:\(store.keyMaker.makeKey($0))".utf8) }
            do {
                try connection.subscribe(channels)
            } catch let failure as RedisConnection.Failure {
                opened.close()
                throw CachalotError.runtime(failure.description)
            }
        }
        return (opened, nil)
    }

    /// Reads what the servers pushed on the sockets poll() found readable;
    /// true when a table key was written (or a message came that says so).
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

    /// Puts back each server's notify-keyspace-events where cachalot changed it.
    public func close() {
        for subscription in subscriptions {
            guard let flags = subscription.restoreFlags else { continue }
            // A subscribed connection takes no CONFIG: a fresh one does it.
            if let connection = try? Self.connect(subscription.endpoint, timeouts: subscription.timeouts) {
                try? Self.configure(connection, flags: flags)
            }
        }
        subscriptions = []
    }

    private static func connect(_ endpoint: RedisEndpoint, timeouts: RedisTimeouts) throws -> RedisConnection {
        do {
            return try RedisConnection(endpoint, timeouts: timeouts)
        } catch let failure as RedisConnection.Failure {
            throw CachalotError.runtime(failure.description)
        }
    }

    private static func currentFlags(_ connection: RedisConnection) throws -> String {
        let reply = try run(connection, ["CONFIG", "GET", "notify-keyspace-events"])
        guard case .array(let pair) = reply, pair.count == 2, let value = pair[1].bytes else {
            throw CachalotError.runtime("unexpected reply to CONFIG GET: \(String(describing: reply).prefix(80))")
        }
        return String(decoding: value, as: UTF8.self)
    }

    private static func configure(_ connection: RedisConnection, flags: String) throws {
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
