/// One cache or one database of a run, as messages name it:
/// `cache 'default' (redis://127.0.0.1:6379/0)`, `database 'replica' (db.sqlite3)`.
public struct Target: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case cache, database }

    public var kind: Kind
    public var alias: String
    /// Where it lives, password masked; nil before it is known.
    public var address: String?

    public static func cache(_ alias: String, at address: String? = nil) -> Target {
        Target(kind: .cache, alias: alias, address: address)
    }

    public static func database(_ alias: String, at address: String? = nil) -> Target {
        Target(kind: .database, alias: alias, address: address)
    }

    public var description: String {
        "\(kind.rawValue) '\(alias)'" + (address.map { " (\($0))" } ?? "")
    }
}

/// A failure of one cache or database. A run goes on with the others, so
/// reports collect these instead of stopping at the first.
public struct TargetFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var target: Target
    public var error: CachalotError

    public init(_ target: Target, _ error: Error) {
        self.target = target
        self.error = CachalotError(error)
    }

    /// "cache 'default' (…): what went wrong".
    public var description: String { "\(target): \(error.message)" }
}
