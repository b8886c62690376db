/// A cache that announces writes to its table keys, so `watch` reads it
/// when one arrives rather than on every tick (Redis keyspace
/// notifications). A store without this capability is polled.
public protocol ChangeFeedSource {
    /// Subscribes to `keys` (cachalot keys). `.failure` says why the cache
    /// cannot announce its writes (it is then polled); a server that cannot
    /// be reached throws. `enabling`: turn announcements on where they are
    /// off, recording what was changed so that it is put back.
    func openChangeFeed(keys: [String], enabling: KeyspaceNotificationChanges?) throws -> Result<ChangeFeed, ChangeFeedUnavailable>
}

/// An open subscription: the sockets to wait on, and what arrived on them.
public protocol ChangeFeed: AnyObject {
    var descriptors: [Int32] { get }
    /// Reads what arrived on the `readable` sockets; true when a table key was written.
    func drain(readable: Set<Int32>) throws -> Bool
}

/// Why a cache does not announce its writes.
public struct ChangeFeedUnavailable: Error, Equatable {
    public var description: String
    /// Whether asking to turn announcements on (--enable-notifications) would help.
    public var canBeEnabled: Bool

    public init(_ description: String, canBeEnabled: Bool) {
        self.description = description
        self.canBeEnabled = canBeEnabled
    }
}
