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

    /// Django's key for the query.
    public var cachalotKey: String { Hashing.sha1Hex(hashedText) }

    /// Where `cachalot query` keeps its own results: the same text with a
    /// marker after the parameters. Django's text always ends with the `]`
    /// of the parameter list, so Django can never compute this key, never
    /// read what the command line stored, and never be served a result in a
    /// shape its compiler does not expect (docs/FORMATS.md, "Query keys").
    public var commandLineKey: String { Hashing.sha1Hex(hashedText + Self.commandLineMarker) }

    public static let commandLineMarker = ":cachalot-cli"

    /// Where `query` remembers what the database said about the statement
    /// (RememberedAnalysis): the same text, a marker of its own, and the
    /// database it was asked (`DatabaseSettings.identity`), so that another
    /// server, login or search path asks again.
    public func analysisKey(database identity: String) -> String {
        Hashing.sha1Hex(hashedText + Self.analysisMarker + identity)
    }

    public static let analysisMarker = ":cachalot-cli-analysis:"

    private var hashedText: String { "\(databaseAlias):\(sql):\(PythonStringRepr.listRepr(parameters))" }
}
