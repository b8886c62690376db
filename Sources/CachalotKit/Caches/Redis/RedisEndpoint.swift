/// Where a Redis server is and how to log in, parsed from a LOCATION URL the
/// way redis-py's `parse_url` reads it: `redis://[[user]:password@]host[:port][/db]`,
/// `unix://[[user]:password@]/path`, `?db=N`, `?password=`, `?username=` in
/// the query (the user part of the URL wins over the query).
public struct RedisEndpoint: Equatable, Sendable {
    public var address: NetworkAddress
    public var username: String?
    public var password: String?
    public var database = 0
    /// Query options redis-py types as seconds (`socket_timeout`, `socket_connect_timeout`).
    public var socketTimeout: Double?
    public var socketConnectTimeout: Double?
    /// `rediss://`: TLS, with the `ssl_*` options of the URL or OPTIONS.
    public var tls: TLSSettings?

    /// The URL without its password, for messages.
    public var description: String {
        let user = username.map { "\($0)" + (password != nil ? ":***" : "") + "@" } ?? (password != nil ? ":***@" : "")
        switch address {
        case .tcp(let host, let port):
            let shown = host.contains(":" as Character) ? "[\(host)]" : host
            return "\(tls == nil ? "redis" : "rediss")://\(user)\(shown):\(port)/\(database)"
        case .unix(let path): return "unix://\(user)\(path)?db=\(database)"
        }
    }

    public struct Invalid: Error { public var reason: String }

    public init(address: NetworkAddress, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.address = address
        self.username = username
        self.password = password
        self.database = database
    }

    /// `valkeySchemes`: valkey-py's URLs (django-valkey's LOCATION):
    /// `valkey://` and `valkeys://` mean `redis://` and `rediss://`, and TLS
    /// takes valkey-py's defaults.
    public init(url: String, valkeySchemes: Bool = false) throws {
        // For messages only: masked when one is written, not on every run.
        func shown() -> String { String(SecretMasking.url(url).prefix(200)) }
        func text<C: Collection>(_ part: C) -> String where C.Element == UInt8 { String(decoding: part, as: UTF8.self) }
        guard let split = URLSplit(Array(url.utf8)) else {
            throw Invalid(reason: "\(quoted(shown())) is not a Redis URL; accepted: redis://host:port/db, unix:///path?db=N")
        }
        // urlsplit deletes tabs and line breaks anywhere in a URL; refused
        // rather than guessed at.
        guard !url.utf8.contains(where: { $0 == 9 || $0 == 10 || $0 == 13 }) else {
            throw Invalid(reason: "\(quoted(shown())) holds a tab or a line break")
        }
        var scheme = text(split.scheme).lowercased()
        if valkeySchemes, let same = ["valkey": "redis", "valkeys": "rediss"][scheme] { scheme = same }
        let query = URLSplit.queryValues(split.query)
        // redis-py before 8.1 decodes query values twice, later ones once:
        // a value that still holds an escape means two things.
        if let name = query.keys.sorted().first(where: { URLSplit.percentDecoded(Array(query[$0]!.utf8)) != query[$0]! }) {
            throw Invalid(reason: "the \(name) value in \(quoted(shown())) still holds a %-escape once decoded, which redis-py reads differently from version to version; write it decoded once")
        }
        username = query["username"]
        password = query["password"]
        if let user = split.user, !user.isEmpty { username = URLSplit.percentDecoded(user) }
        if let secret = split.password, !secret.isEmpty { password = URLSplit.percentDecoded(secret) }
        switch scheme {
        case "redis", "rediss":
            // redis-py, without ?db=: int(path with every "/" removed); a non-number is ignored.
            if query["db"] == nil {
                switch PythonInt.parse(URLSplit.percentDecoded(split.path).filter { $0 != "/" }) {
                case .value(let db): database = db
                case .notANumber: break
                case .beyondASCII: throw Invalid(reason: "the database in the path of \(quoted(shown())) holds characters beyond ASCII, which Python may read as digits; write it in ASCII digits")
                }
            }
            var port = 6379
            if let text = split.port.map(text) {
                guard text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                      let number = Int(text), (1...65535).contains(number) else {
                    throw Invalid(reason: "the port in \(quoted(shown())) is not a number from 1 to 65535")
                }
                port = number
            }
            let host = URLSplit.percentDecoded(split.host).lowercased()
            address = .tcp(host: host.isEmpty ? "localhost" : host, port: port)
        case "unix":
            let path = URLSplit.percentDecoded(split.path)
            guard path.hasPrefix("/") else { throw Invalid(reason: "the unix socket path in \(quoted(shown())) must be absolute") }
            address = .unix(path: path)
        default:
            throw Invalid(reason: "unknown scheme \(quoted(scheme, limit: 20)) in \(quoted(shown())); accepted: "
                          + (valkeySchemes ? "valkey://, valkeys://, " : "") + "redis://, rediss://, unix://")
        }
        if let value = query["db"] {
            guard case .value(let db) = PythonInt.parse(value), db >= 0 else { throw Invalid(reason: "db=\(quoted(value, limit: 20)) in \(quoted(shown())) is not a number") }
            database = db
        }
        guard database >= 0 else { throw Invalid(reason: "the database in \(quoted(shown())) is negative") }
        if scheme == "rediss" {
            if let name = Self.unsupportedTLSOption(in: query.keys) { throw Invalid(reason: "\(name) in \(quoted(shown())) is " + Self.unsupportedTLSReason) }
            tls = TLSSettings()
            var query = query
            if valkeySchemes {
                // valkey-py's SSLConnection checks no host name unless told
                // to, and its URL parser reads DISABLED as false too.
                tls!.checkHostname = false
                if query["ssl_check_hostname"]?.uppercased() == "DISABLED" { query["ssl_check_hostname"] = "false" }
            }
            try Self.applyTLS(&tls!, query)
            urlTLSOptions = Set(query.keys.filter { $0.hasPrefix("ssl_") })
        }
        socketTimeout = try Self.seconds(query["socket_timeout"], name: "socket_timeout", in: shown())
        socketConnectTimeout = try Self.seconds(query["socket_connect_timeout"], name: "socket_connect_timeout", in: shown())
    }

    /// The redis-py ssl_* options cachalot reproduces. The others
    /// (ssl_ca_data, ssl_password, ssl_min_version, ssl_ciphers, the
    /// verify flags, OCSP) change whom the site trusts or how: refused.
    static let supportedTLSOptions = ["ssl_cert_reqs", "ssl_check_hostname", "ssl_ca_certs", "ssl_ca_path", "ssl_certfile", "ssl_keyfile"]

    /// The first ssl_* name cachalot does not reproduce, if any.
    static func unsupportedTLSOption<S: Sequence>(in names: S) -> String? where S.Element == String {
        names.filter { $0.hasPrefix("ssl_") && !supportedTLSOptions.contains($0) }.sorted().first
    }

    static let unsupportedTLSReason = "not supported: cachalot cannot reproduce its effect on TLS; supported: \(supportedTLSOptions.joined(separator: ", "))"

    /// redis-py's ssl_* options (from the URL's query, or OPTIONS): the URL's win.
    static func applyTLS(_ tls: inout TLSSettings, _ options: [String: String], onlyMissing given: Set<String> = []) throws {
        func value(_ name: String) -> String? { given.contains(name) ? nil : options[name] }
        if let requirement = value("ssl_cert_reqs") {
            switch requirement.lowercased() {
            case "none": tls.verifyPeer = false
            case "optional", "required": tls.verifyPeer = true
            default: throw Invalid(reason: "ssl_cert_reqs=\(quoted(requirement, limit: 20)) is not none, optional or required")
            }
        }
        if let check = value("ssl_check_hostname") {
            // redis-py's to_bool: only 0, F, FALSE, N, NO and OFF mean false.
            tls.checkHostname = !["0", "F", "FALSE", "N", "NO", "OFF"].contains(check.uppercased())
        }
        if !tls.verifyPeer { tls.checkHostname = false }
        tls.caFile = value("ssl_ca_certs") ?? tls.caFile
        tls.caPath = value("ssl_ca_path") ?? tls.caPath
        tls.certificateFile = value("ssl_certfile") ?? tls.certificateFile
        tls.keyFile = value("ssl_keyfile") ?? tls.keyFile
    }

    /// The names the URL set, so that OPTIONS do not override them.
    public var urlTLSOptions: Set<String> = []

    private static func seconds(_ text: String?, name: String, in shown: @autoclosure () -> String) throws -> Double? {
        guard let text else { return nil }
        guard let value = Double(text), value.isFinite, value > 0, value <= 86_400 else {
            throw Invalid(reason: "\(name)=\(quoted(text, limit: 20)) in \(quoted(shown())) is not a number of seconds above 0, at most 86400")
        }
        return value
    }
}
