/// How to connect to a MySQL/MariaDB alias, as Django's MySQL backend
/// builds mysqlclient's arguments (`get_connection_params`): USER, NAME,
/// PASSWORD, HOST (a path is the unix socket), PORT when set, utf8mb4
/// (utf8 before Django 5.2, from VERSIONS), then
/// every OPTIONS key over them; `isolation_level` (default "read committed")
/// is Django's own. cachalot adds connect, read and write timeouts when
/// OPTIONS give none.
struct MySQLParameters {
    var host: String?
    var unixSocket: String?
    var user: String?
    var password: String?
    var database: String?
    var port: UInt32 = 0
    var charset = "utf8mb4"
    var collation: String?
    var isolationLevel: String? = "read committed"
    var initCommand: String?
    var readDefaultFile: String?
    var readDefaultGroup: String?
    var sqlMode: String?
    var authPlugin: String?
    /// mysqlclient's server_public_key_path: the RSA key caching_sha2_password
    /// encrypts the password with when there is no TLS (else libmariadb asks the server for it).
    var serverPublicKeyPath: String?
    var ssl: [String: String] = [:]
    var sslMode: String?
    var connectTimeout: UInt32
    var readTimeout: UInt32
    var writeTimeout: UInt32

    static let isolationLevels = ["read uncommitted", "read committed", "repeatable read", "serializable"]
    static let sslModes = ["DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"]

    init(_ settings: DatabaseSettings, timeout: Double) throws {
        func fail(_ key: String, _ problem: String) -> CachalotError {
            .usage("database '\(settings.alias)': OPTIONS \(key): \(problem)")
        }
        let seconds = UInt32(max(1, min(timeout.rounded(.up), 86_400)))
        connectTimeout = seconds
        readTimeout = seconds
        writeTimeout = seconds
        charset = settings.siteVersions.mysqlCharset
        if !settings.user.isEmpty { user = settings.user }
        if !settings.name.isEmpty { database = settings.name }
        if !settings.password.isEmpty { password = settings.password }
        if settings.host.hasPrefix("/") { unixSocket = settings.host } else if !settings.host.isEmpty { host = settings.host }
        if !settings.port.isEmpty {
            guard let port = UInt32(settings.port), port > 0, port <= 65535 else {
                throw CachalotError.usage("database '\(settings.alias)': PORT \(quoted(settings.port)) is not a port number")
            }
            self.port = port
        }
        for (key, value) in settings.options.sorted(by: { $0.key < $1.key }) {
            let text = settings.optionText(key)
            switch key {
            case "isolation_level":
                guard case .string(let level) = value else { isolationLevel = nil; continue }
                let lowered = level.lowercased()
                guard lowered.isEmpty || Self.isolationLevels.contains(lowered) else {
                    throw fail(key, "\(quoted(level)) is not one of \(Self.isolationLevels.joined(separator: ", "))")
                }
                isolationLevel = lowered.isEmpty ? nil : lowered
            case "host": host = text
            case "user": user = text
            case "password", "passwd": password = text
            case "database", "db": database = text
            case "unix_socket": unixSocket = text
            case "port": port = text.flatMap { UInt32($0) } ?? port
            case "charset": charset = text ?? charset
            case "collation": collation = text.flatMap { $0.isEmpty ? nil : $0 }
            case "init_command": initCommand = text
            case "read_default_file": readDefaultFile = text
            case "read_default_group": readDefaultGroup = text
            case "sql_mode": sqlMode = text
            case "auth_plugin": authPlugin = text
            case "server_public_key_path": serverPublicKeyPath = text
            case "connect_timeout": connectTimeout = text.flatMap { UInt32($0) } ?? connectTimeout
            case "read_timeout": readTimeout = text.flatMap { UInt32($0) } ?? readTimeout
            case "write_timeout": writeTimeout = text.flatMap { UInt32($0) } ?? writeTimeout
            case "ssl_mode":
                guard let mode = text?.uppercased(), Self.sslModes.contains(mode) else {
                    throw fail(key, "expected one of \(Self.sslModes.joined(separator: ", "))")
                }
                sslMode = mode
            case "ssl":
                switch value {
                case .table(let entries):
                    for (name, entry) in entries {
                        guard ["ca", "capath", "cert", "key", "cipher"].contains(name), case .string(let path) = entry else {
                            throw fail("ssl", "expected a table of ca, capath, cert, key, cipher paths")
                        }
                        ssl[name] = path
                    }
                    if sslMode == nil { sslMode = "PREFERRED" }
                case .bool(let flag):
                    // mysqlclient: ssl=True asks for REQUIRED, ssl=False for DISABLED.
                    if sslMode == nil { sslMode = flag ? "REQUIRED" : "DISABLED" }
                default:
                    throw fail("ssl", "expected a table of ca, capath, cert, key, cipher paths, or true/false")
                }
            default:
                // Python-level mysqlclient options (conv, use_unicode, autocommit,
                // cursorclass, …) change nothing on the wire cachalot uses.
                continue
            }
        }
    }
}
