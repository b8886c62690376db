/// Where a Redis server is and how to log in, parsed from a LOCATION URL the
/// way redis-py's `from_url` reads it: `redis://[[user]:password@]host[:port][/db]`,
/// `unix://[[user]:password@]/path`, `?db=N` and `?password=` in the query.
public struct RedisEndpoint: Equatable, Sendable {
    public enum Address: Equatable, Sendable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var address: Address
    public var username: String?
    public var password: String?
    public var database = 0

    /// The URL without its password, for messages.
    public var description: String {
        let user = username.map { "\($0)@" } ?? (password != nil ? ":***@" : "")
        switch address {
        case .tcp(let host, let port): return "redis://\(user)\(host):\(port)/\(database)"
        case .unix(let path): return "unix://\(user)\(path)?db=\(database)"
        }
    }

    public struct Invalid: Error { public var reason: String }

    public init(address: Address, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.address = address
        self.username = username
        self.password = password
        self.database = database
    }

    public init(url: String) throws {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else {
            throw Invalid(reason: "\"\(url)\" is not a Redis URL; accepted: redis://host:port/db, unix:///path?db=N")
        }
        let scheme = url[..<colon].lowercased()
        var rest = String(url[colon...].dropFirst(3))
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                query[parts[0]] = parts.count > 1 ? Self.unquote(parts[1]) : ""
            }
            rest = String(rest[..<mark])
        }
        var credentials: Substring?
        if let at = rest.lastIndex(of: "@") {
            credentials = rest[..<at]
            rest = String(rest[rest.index(after: at)...])
        }
        if let credentials {
            let parts = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map { Self.unquote(String($0)) }
            username = parts[0].isEmpty ? nil : parts[0]
            password = parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil
        }
        if let value = query["password"] { password = value }
        if let value = query["username"] { username = value }
        switch scheme {
        case "redis":
            var hostPort = rest
            if let slash = rest.firstIndex(of: "/") {
                hostPort = String(rest[..<slash])
                let path = rest[rest.index(after: slash)...]
                if !path.isEmpty {
                    guard let db = Int(path), db >= 0 else { throw Invalid(reason: "database \"\(path)\" in \(url) is not a number") }
                    database = db
                }
            }
            var host = hostPort, port = 6379
            if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
                guard let number = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(number) else {
                    throw Invalid(reason: "port in \(url) is not a number from 1 to 65535")
                }
                port = number
                host = String(hostPort[..<colon])
            }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            address = .tcp(host: host.isEmpty ? "localhost" : host, port: port)
        case "unix":
            guard rest.hasPrefix("/") else { throw Invalid(reason: "unix socket path in \(url) must be absolute") }
            address = .unix(path: rest)
        case "rediss":
            throw Invalid(reason: "rediss:// (TLS) is not available: the hiredis this cachalot is linked with (Debian's libhiredis 0.14) has no TLS support")
        default:
            throw Invalid(reason: "unknown scheme \"\(scheme)\" in \(url); accepted: redis://, unix://")
        }
        if let value = query["db"] {
            guard let db = Int(value), db >= 0 else { throw Invalid(reason: "db=\(value) in \(url) is not a number") }
            database = db
        }
    }

    /// `urllib.parse.unquote`: %XX escapes decoded as UTF-8; a malformed
    /// escape is kept as written.
    private static func unquote(_ text: String) -> String {
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
