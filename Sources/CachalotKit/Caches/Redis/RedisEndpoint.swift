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

    public init(url: String) throws {
        let shown = SecretMasking.url(String(url.prefix(200)))
        // Delimiters are found in the UTF-8 bytes, as Python finds them in
        // code points (a combining mark after "@" must not hide it).
        let bytes = Array(url.utf8)
        func text<C: Collection>(_ part: C) -> String where C.Element == UInt8 { String(decoding: part, as: UTF8.self) }
        guard let schemeEnd = bytes.firstRange(of: Array("://".utf8)) else {
            throw Invalid(reason: "\(quoted(shown)) is not a Redis URL; accepted: redis://host:port/db, unix:///path?db=N")
        }
        let scheme = text(bytes[..<schemeEnd.lowerBound]).lowercased()
        var rest = bytes[schemeEnd.upperBound...]
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: UInt8(ascii: "?")) {
            for pair in rest[(mark + 1)...].split(separator: UInt8(ascii: "&")) {
                let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false).map(text)
                // parse_qs keeps the first value of each name.
                if query[parts[0]] == nil { query[parts[0]] = parts.count > 1 ? Self.unquote(parts[1]) : "" }
            }
            rest = rest[..<mark]
        }
        username = query["username"].flatMap { $0.isEmpty ? nil : $0 }
        password = query["password"].flatMap { $0.isEmpty ? nil : $0 }
        if let at = rest.lastIndex(of: UInt8(ascii: "@")) {
            let parts = rest[..<at].split(separator: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false).map { Self.unquote(text($0)) }
            if !parts[0].isEmpty { username = parts[0] }
            if parts.count > 1, !parts[1].isEmpty { password = parts[1] }
            rest = rest[(at + 1)...]
        }
        switch scheme {
        case "redis", "rediss":
            var hostPort = rest
            if let slash = rest.firstIndex(of: UInt8(ascii: "/")) {
                hostPort = rest[..<slash]
                // redis-py: int(path with every "/" removed); a non-number is ignored.
                let path = Self.unquote(text(rest[(slash + 1)...])).filter { $0 != "/" }
                if let db = Int(path) { database = db }
            }
            var host = text(hostPort), port = 6379
            if let colon = hostPort.lastIndex(of: UInt8(ascii: ":")), hostPort.last != UInt8(ascii: "]") {
                guard let number = Int(text(hostPort[(colon + 1)...])), (1...65535).contains(number) else {
                    throw Invalid(reason: "the port in \(quoted(shown)) is not a number from 1 to 65535")
                }
                port = number
                host = text(hostPort[..<colon])
            }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            address = .tcp(host: host.isEmpty ? "localhost" : Self.unquote(host).lowercased(), port: port)
        case "unix":
            let path = Self.unquote(text(rest))
            guard path.hasPrefix("/") else { throw Invalid(reason: "the unix socket path in \(quoted(shown)) must be absolute") }
            address = .unix(path: path)
        default:
            throw Invalid(reason: "unknown scheme \(quoted(scheme, limit: 20)) in \(quoted(shown)); accepted: redis://, rediss://, unix://")
        }
        if let value = query["db"] {
            guard let db = Int(value), db >= 0 else { throw Invalid(reason: "db=\(quoted(value, limit: 20)) in \(quoted(shown)) is not a number") }
            database = db
        }
        guard database >= 0 else { throw Invalid(reason: "the database in \(quoted(shown)) is negative") }
        if scheme == "rediss" {
            tls = TLSSettings()
            try Self.applyTLS(&tls!, query)
            urlTLSOptions = Set(query.keys.filter { $0.hasPrefix("ssl_") })
        }
        socketTimeout = try Self.seconds(query["socket_timeout"], name: "socket_timeout", in: shown)
        socketConnectTimeout = try Self.seconds(query["socket_connect_timeout"], name: "socket_connect_timeout", in: shown)
    }

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
            // redis-py's to_bool: only 0, F, FALSE, N, NO mean false.
            tls.checkHostname = !["0", "F", "FALSE", "N", "NO"].contains(check.uppercased())
        }
        if !tls.verifyPeer { tls.checkHostname = false }
        tls.caFile = value("ssl_ca_certs") ?? tls.caFile
        tls.caPath = value("ssl_ca_path") ?? tls.caPath
        tls.certificateFile = value("ssl_certfile") ?? tls.certificateFile
        tls.keyFile = value("ssl_keyfile") ?? tls.keyFile
    }

    /// The names the URL set, so that OPTIONS do not override them.
    public var urlTLSOptions: Set<String> = []

    private static func seconds(_ text: String?, name: String, in shown: String) throws -> Double? {
        guard let text else { return nil }
        guard let value = Double(text), value.isFinite, value > 0, value <= 86_400 else {
            throw Invalid(reason: "\(name)=\(quoted(text, limit: 20)) in \(quoted(shown)) is not a number of seconds above 0, at most 86400")
        }
        return value
    }

    /// `urllib.parse.unquote`: %XX escapes decoded as UTF-8; a malformed
    /// escape is kept as written.
    static func unquote(_ text: String) -> String {
        guard text.contains("%" as Character) else { return text }
        var bytes: [UInt8] = []
        let input = Array(text.utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
               let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
