/// The libpq keywords of a database alias, built as Django's PostgreSQL
/// backend builds them (`get_connection_params`): NAME as dbname, every
/// OPTIONS entry passed through, USER/PASSWORD/HOST/PORT over OPTIONS when
/// set, client_encoding UTF8. Keys Django and psycopg consume themselves
/// never reach libpq. cachalot adds a connect timeout when none is set and
/// session settings that bound its statements and keep reads read-only.
struct PostgreSQLParameters {
    var keywords: [(keyword: String, value: String)]
    /// `OPTIONS.assume_role`: Django runs SET ROLE after connecting.
    var assumeRole: String?
    /// Seconds allowed for connecting (OPTIONS connect_timeout, else cachalot's default).
    var connectTimeout: Double

    /// OPTIONS keys that Django or psycopg take for themselves.
    static let consumedByDjango: Set<String> = [
        "isolation_level", "assume_role", "pool", "server_side_binding", "prepare_threshold",
        "autocommit", "context", "row_factory", "cursor_factory",
    ]

    /// libpq waits at least 2 s per connection attempt (its own rule).
    static let minimumConnectTimeout = 2.0

    init(_ database: DatabaseSettings, timeout: Double, readOnly: Bool) {
        var pairs: [(String, String)] = []
        if !database.name.isEmpty { pairs.append(("dbname", database.name)) }
        for key in database.options.keys.sorted() where !Self.consumedByDjango.contains(key) {
            guard let value = database.optionText(key) else { continue }
            pairs.removeAll { $0.0 == key }
            pairs.append((key, value))
        }
        for (key, value) in [("user", database.user), ("password", database.password),
                             ("host", database.host), ("port", database.port)] where !value.isEmpty {
            pairs.removeAll { $0.0 == key }
            pairs.append((key, value))
        }
        pairs.removeAll { $0.0 == "client_encoding" }
        pairs.append(("client_encoding", "UTF8"))

        let given = pairs.first { $0.0 == "connect_timeout" }.flatMap { Double($0.1) }
        if let given, given > 0 {
            connectTimeout = max(given, Self.minimumConnectTimeout)
        } else {
            connectTimeout = max(timeout, Self.minimumConnectTimeout)
            pairs.removeAll { $0.0 == "connect_timeout" }
            pairs.append(("connect_timeout", String(Int(connectTimeout.rounded(.up)))))
        }
        // cachalot's session settings first, so the site's own `options` win.
        var session = ["statement_timeout=\(Int((timeout * 1000).rounded(.up)))"]
        if readOnly { session.append("default_transaction_read_only=on") }
        if Self.isPlainZone(database.clock.sessionZone) { session.append("TimeZone=\(database.clock.sessionZone)") }
        var options = session.map { "-c " + $0 }.joined(separator: " ")
        if let index = pairs.firstIndex(where: { $0.0 == "options" }) {
            options += " " + pairs[index].1
            pairs.remove(at: index)
        }
        pairs.append(("options", options))
        keywords = pairs.map { (keyword: $0.0, value: $0.1) }
        if case .string(let role)? = database.options["assume_role"], !role.isEmpty { assumeRole = role }
    }

    /// A zone name that needs no escaping inside libpq's `options`.
    static func isPlainZone(_ zone: String) -> Bool {
        !zone.isEmpty && zone.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
        }
    }
}
