/// The cache key of a query result: `cachalot.utils.get_query_cache_key`,
/// `sha1("<db_alias>:<sql>:<str([str(p) for p in params])>")`.
public struct QueryKey: Hashable, Sendable {
    public let databaseAlias: String
    public let sql: String
    /// Each parameter as Python's `str(p)` prints it.
    public let parameters: [String]

    public init(databaseAlias: String, sql: String, parameters: [String]) {
        self.databaseAlias = databaseAlias
        self.sql = sql
        self.parameters = parameters
    }

    public var cachalotKey: String {
        Hashing.sha1Hex("\(databaseAlias):\(sql):\(PythonStringRepr.listRepr(parameters))")
    }
}
