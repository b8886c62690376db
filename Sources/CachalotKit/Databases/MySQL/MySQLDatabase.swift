import CMariaDB

/// A Django MySQL/MariaDB database (mysql, GIS and wrapper engines)
/// through libmariadb, connected as Django connects (MySQLParameters).
/// Reads run in READ ONLY transactions; `write` uses its own connection.
public final class MySQLDatabase: Database {
    public let settings: DatabaseSettings
    private let parameters: MySQLParameters
    let connection: MySQLConnection

    public init(settings: DatabaseSettings, timeout: Double) throws {
        self.settings = settings
        parameters = try MySQLParameters(settings, timeout: timeout)
        connection = try Self.connect(parameters)
    }

    private static func connect(_ parameters: MySQLParameters) throws -> MySQLConnection {
        do {
            return try MySQLConnection(parameters)
        } catch let error as MySQLError {
            throw CachalotError.runtime(error.description, hint: hint(for: error.code, message: error.message))
        }
    }

    /// What to check for the usual connection failures (MySQL error numbers).
    private static func hint(for code: UInt32, message: String) -> String? {
        switch code {
        case 1045: return "check DATABASES USER and PASSWORD (or the option file); a user that REQUIRE SSL fails the same way without TLS"
        case 1044, 1049: return "check DATABASES NAME and the user's grants"
        case 2002, 2003, 2005: return "check DATABASES HOST and PORT (a path is a unix socket), and that the server runs"
        case 2013: return "the server did not answer in time; raise --timeout or OPTIONS connect_timeout / read_timeout"
        case 2026: return "check OPTIONS ssl and ssl_mode, and the server's TLS set-up"
        case 1040: return "the server is out of connections; retry later or raise max_connections"
        // CR_AUTH_PLUGIN_CANNOT_LOAD, CR_AUTH_PLUGIN_ERR: for MySQL 8's default
        // caching_sha2_password (or sha256_password), TLS or the server's key.
        case 2059, 2061:
            if message.contains("sha2_password") || message.contains("sha256_password") {
                return "MySQL 8's caching_sha2_password needs TLS (OPTIONS ssl or ssl_mode), or without it the server's RSA public key: OPTIONS server_public_key_path, as mysqlclient takes it (libmariadb otherwise asks the server for the key)"
            }
            return code == 2059 ? "the authentication plugin the server asks for is not among libmariadb3's plugins (Debian's libmariadb3 package; MARIADB_PLUGIN_DIR)" : nil
        default: return nil
        }
    }

    func run(_ sql: String) throws -> MySQLConnection.Rows {
        do {
            return try connection.execute(sql)
        } catch let error as MySQLError {
            throw CachalotError.runtime(error.description)
        }
    }

    /// The first column's text of each row, decoded as mysqlclient decodes
    /// it (table names, definitions).
    func firstColumn(_ rows: MySQLConnection.Rows) throws -> [String] {
        try rows.values.compactMap { row in try row.first.flatMap { try $0.map(text) } }
    }

    private func text(_ bytes: [UInt8]) throws -> String {
        guard let text = connection.decoded(bytes) else {
            throw CachalotError.usage("database '\(settings.alias)': the server sent a name in charset \(connection.charset) that cachalot cannot decode as mysqlclient does (it reproduces \(MySQLTextCodec.supportedCharsets.joined(separator: ", ")), and ASCII under any charset)")
        }
        return text
    }

    // MARK: introspection

    /// Django's `get_table_list`: `information_schema.tables` of the current
    /// database, 'BASE TABLE' kept (and 'VIEW' with views), names as the
    /// server reports them; sorted as Python sorts.
    public func tableNames(includingViews: Bool) throws -> [String] {
        let types = includingViews ? "('BASE TABLE', 'VIEW')" : "('BASE TABLE')"
        return try firstColumn(try run("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type IN \(types)"))
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public func contentTypes() throws -> [ContentType] {
        try run("SELECT app_label, model FROM django_content_type ORDER BY app_label, model").values.compactMap { row -> ContentType? in
            guard row.count == 2, let app = row[0], let model = row[1] else { return nil }
            return ContentType(appLabel: try text(app), model: try text(model))
        }
    }

    // MARK: statements

    /// `query` sends and reads text as mysqlclient does, which cachalot
    /// reproduces for some charsets only: under any other, nothing is run.
    func requireCodec() throws {
        guard connection.codec == nil else { return }
        throw CachalotError.usage(
            "database '\(settings.alias)': OPTIONS charset \(quoted(connection.charset)): cachalot reproduces mysqlclient's text encoding only for \(MySQLTextCodec.supportedCharsets.joined(separator: ", ")); query is refused under this charset, nothing was run",
            hint: "invalidate, last-invalidation, stats and doctor work under any charset")
    }

    /// mysqlclient's client-side binding (cursors.py `_mogrify`): the
    /// statement encoded in the connection's charset, then every `%s` the
    /// next parameter's literal and `%%` a `%`. A parameter is a str, as
    /// the query key hashes it (`str(p)`), so it is always a quoted string
    /// literal, as mysqlclient's literal() makes one of a str.
    func interpolated(_ sql: String, _ parameters: [String]) throws -> [UInt8] {
        let percent = UInt8(ascii: "%"), placeholder = UInt8(ascii: "s")
        let bytes = try connection.encoded(sql)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var remaining = parameters[...]
        var index = 0
        while index < bytes.count {
            if bytes[index] == percent, index + 1 < bytes.count, bytes[index + 1] == placeholder || bytes[index + 1] == percent {
                if bytes[index + 1] == percent {
                    result.append(percent)
                } else {
                    guard let value = remaining.popFirst() else { throw CachalotError.usage("more %s placeholders than --param values") }
                    result += try connection.literal(value)
                }
                index += 2
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }

    func run(_ bytes: [UInt8]) throws -> MySQLConnection.Rows {
        do {
            return try connection.execute(bytes)
        } catch let error as MySQLError {
            throw CachalotError.runtime(error.description)
        }
    }

    public func read(_ sql: String, parameters: [String]) throws -> [[PickleValue]] {
        try requireCodec()
        let text = try interpolated(sql, parameters)
        _ = try run("START TRANSACTION READ ONLY")
        defer { _ = try? connection.execute("COMMIT") }
        let rows = try run(text)
        let codec = connection.codec ?? .ascii
        do {
            return try rows.values.map { row in
                try zip(row, rows.fields).map { value, field in
                    try value.map { try MySQLValueDecoder.decode($0, field: field, codec: codec) } ?? .none
                }
            }
        } catch let failure as MySQLValueDecoder.Failure {
            throw CachalotError.runtime("a value Python cannot hold, as Django would fail on it: \(failure)")
        }
    }

    /// In a transaction on its own connection; relations the text names are
    /// listed again before the commit (DDL may have made one; MySQL commits
    /// DDL by itself).
    public func write(_ sql: String, parameters: [String]) throws -> WriteOutcome {
        try requireCodec()
        let writable = try Self.connect(self.parameters)
        do {
            let text = try interpolated(sql, parameters)
            try writable.execute("START TRANSACTION")
            let changed = try writable.execute(text).changed
            let relations = try firstColumn(writable.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"))
            try writable.execute("COMMIT")
            return WriteOutcome(changedRows: changed, laterTables: RawSQLRules.tablesNamed(in: sql, among: relations))
        } catch let error as MySQLError {
            _ = try? writable.execute("ROLLBACK")
            throw CachalotError.runtime(error.description)
        }
    }


    /// The server's version against what the site's Django supports.
    public func serverFacts() throws -> DatabaseFacts {
        let version = connection.serverVersion
        let clock = try firstColumn(try run("SELECT UNIX_TIMESTAMP(NOW(6))")).first.flatMap(Double.init)
        let numbers = version.split(whereSeparator: { !$0.isNumber }).prefix(3).compactMap { Int($0) }
        let isMariaDB = version.lowercased().contains("mariadb")
        let floor = settings.siteVersions.databaseFloor(isMariaDB ? "mariadb" : "mysql")
        let unsupported = numbers.lexicographicallyPrecedes(floor.version)
            ? "\(floor.django) needs \(isMariaDB ? "MariaDB" : "MySQL") \(floor.version.map(String.init).joined(separator: ".")) or later" : nil
        return DatabaseFacts(version: (isMariaDB ? "" : "MySQL ") + version, unsupported: unsupported, serverTime: clock)
    }
}
