/// The cache key under which django-cachalot keeps a table's last
/// invalidation time: `cachalot.utils.get_table_cache_key`.
public struct TableKey: Hashable, Sendable {
    public let databaseAlias: String
    public let table: String

    public init(databaseAlias: String, table: String) {
        self.databaseAlias = databaseAlias
        self.table = table
    }

    /// `sha1("<db_alias>:<table>").hexdigest()`, before Django's `make_key`.
    public var cachalotKey: String { Hashing.sha1Hex("\(databaseAlias):\(table)") }
}
