import CSQLite
@testable import CachalotKit
import Glibc
import Synchronization

/// Where a test's database lives: a real server (MariaDB, PostgreSQL) or a
/// folder of SQLite files. Every database suite starts the same way —
/// start a host, make a database, load a schema, build its DATABASES
/// settings, open it — and `TestDatabase` is that start.
public protocol DatabaseHost: AnyObject, Sendable {
    static func start() throws -> Self
    /// The processes started by tests that ask for no host of their own
    /// share this one, started by the first of them.
    static var shared: SharedHost<Self> { get }
    /// The host's folder (data, sockets, logs), removed with it.
    var directory: TemporaryDirectory { get }
    /// Makes an empty database `name`, reached by `settings(for:)`.
    func createDatabase(_ name: String) throws
    /// Runs SQL in database `name` as a user allowed everything; its output.
    @discardableResult
    func run(_ sql: String, in name: String) throws -> String
    /// DATABASES settings (alias "default") reaching database `name`.
    func settings(for name: String) -> DatabaseSettings
    func stop()
}

/// A database of one test's own, its schema loaded. By default on the
/// process's shared host, where each test has a database (and on MariaDB a
/// user) of its own; `ownHost` for a test that changes the server itself
/// (global variables, stopping it), stopped when the test lets go of it.
/// Objects a server keeps for all its databases (PostgreSQL roles) are
/// shared on the shared host: give them names no other test uses.
public final class TestDatabase<Host: DatabaseHost> {
    public let host: Host
    public let name: String

    public init(_ schema: String = "", ownHost: Bool = false) throws {
        host = ownHost ? try Host.start() : try Host.shared.host()
        name = "test_\(TestDatabaseNames.next())"
        try host.createDatabase(name)
        if !schema.isEmpty { try host.run(schema, in: name) }
    }

    /// Runs SQL in this database as a user allowed everything; its output.
    @discardableResult
    public func run(_ sql: String) throws -> String { try host.run(sql, in: name) }

    /// DATABASES settings reaching this database, with these OPTIONS.
    public func settings(options: [String: SettingsValue] = [:]) -> DatabaseSettings {
        var settings = host.settings(for: name)
        settings.options = options
        return settings
    }

    /// The database as cachalot opens it (`timeout` bounds a server's
    /// answers; DatabaseFactory's 5 s by default).
    public func open(options: [String: SettingsValue] = [:], timeout: Double? = nil) throws -> Database {
        try DatabaseFactory.open(settings(options: options), timeout: timeout)
    }
}

/// Database names no other test of the process has.
enum TestDatabaseNames {
    private static let count = Mutex(0)
    static func next() -> Int { count.withLock { $0 += 1; return $0 } }
}

/// The host shared by a process's tests: started by the first test that
/// asks (its failure is every later test's failure too, rather than one
/// more start-up each), stopped and removed when the process exits.
public final class SharedHost<Host: DatabaseHost>: Sendable {
    private let started = Mutex<Result<Host, any Error>?>(nil)

    public init() {}

    public func host() throws -> Host {
        try started.withLock { started in
            if started == nil {
                started = Result { try Host.start() }
                if case .success(let host) = started { StopAtExit.add(host) }
            }
            return try started!.get()
        }
    }
}

/// What shared hosts `stop()` and remove when the process exits: no test
/// owns them, so no deinit does it.
enum StopAtExit {
    private static let hosts = Mutex<[any DatabaseHost]>([])

    static func add(_ host: any DatabaseHost) {
        hosts.withLock { hosts in
            if hosts.isEmpty { atexit { StopAtExit.stopAll() } }
            hosts.append(host)
        }
    }

    private static func stopAll() {
        for host in hosts.withLock({ $0 }) {
            host.stop()
            TemporaryDirectory.remove(host.directory.path)
        }
    }
}

extension MariaDBServer: DatabaseHost {
    public static func start() throws -> MariaDBServer { try MariaDBServer() }
    public static let shared = SharedHost<MariaDBServer>()

    /// A database and a user of the same name that sees only it (the
    /// password is `site-pass`): MySQL's analysis looks up stored functions
    /// in every schema the user sees.
    public func createDatabase(_ name: String) throws {
        try run("CREATE DATABASE `\(name)` CHARACTER SET utf8mb4; CREATE USER '\(name)'@'%' IDENTIFIED BY 'site-pass'; GRANT ALL ON `\(name)`.* TO '\(name)'@'%';")
    }

    public func run(_ sql: String, in name: String) throws -> String { try run(sql, database: name) }

    public func settings(for name: String) -> DatabaseSettings { settings(name: name, user: name) }
}

extension PostgreSQLServer: DatabaseHost {
    public static func start() throws -> PostgreSQLServer { try PostgreSQLServer() }
    public static let shared = SharedHost<PostgreSQLServer>()

    public func createDatabase(_ name: String) throws { try run("CREATE DATABASE \"\(name)\"") }

    public func run(_ sql: String, in name: String) throws -> String { try run(sql, database: name) }

    public func settings(for name: String) -> DatabaseSettings { settings(name: name) }
}

/// SQLite databases: files in a temporary folder, made and filled through
/// SQLite itself (nothing to start).
public final class SQLiteFiles: DatabaseHost, @unchecked Sendable {
    public let directory: TemporaryDirectory

    public init() throws { directory = try TemporaryDirectory("cachalot-sqlite") }

    public static func start() throws -> SQLiteFiles { try SQLiteFiles() }
    public static let shared = SharedHost<SQLiteFiles>()

    public func path(of name: String) -> String { directory.file(name + ".sqlite3") }

    public func createDatabase(_ name: String) throws { _ = try run("", in: name, creating: true) }

    public func run(_ sql: String, in name: String) throws -> String { try run(sql, in: name, creating: false) }

    /// Rows come back as lines of tab-separated columns, as the servers' clients print them.
    private func run(_ sql: String, in name: String, creating: Bool) throws -> String {
        var handle: OpaquePointer?
        defer { sqlite3_close(handle) }
        let flags = SQLITE_OPEN_READWRITE | (creating ? SQLITE_OPEN_CREATE : 0)
        guard sqlite3_open_v2(path(of: name), &handle, flags, nil) == SQLITE_OK else {
            throw ChildProcess.Failure(description: "cannot open \(path(of: name)): \(handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory")")
        }
        final class Rows { var lines: [String] = [] }
        let rows = Rows()
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, { context, count, values, _ in
            let rows = Unmanaged<Rows>.fromOpaque(context!).takeUnretainedValue()
            rows.lines.append((0..<Int(count)).map { values?[$0].map { String(cString: $0) } ?? "NULL" }.joined(separator: "\t"))
            return 0
        }, Unmanaged.passUnretained(rows).toOpaque(), &message)
        guard status == SQLITE_OK else {
            defer { sqlite3_free(message) }
            throw ChildProcess.Failure(description: "SQLite: \(message.map { String(cString: $0) } ?? "error \(status)")")
        }
        return rows.lines.joined(separator: "\n")
    }

    public func settings(for name: String) -> DatabaseSettings {
        DatabaseSettings(alias: "default", engine: .sqlite, engineName: "django.db.backends.sqlite3", name: path(of: name))
    }

    public func stop() {}
}

/// A TCP listener on 127.0.0.1 that accepts connections (the kernel's
/// backlog does) and never answers: a server that hangs.
public final class SilentListener {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        port = try freeLoopbackPort()
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 4) == 0 else {
            close(descriptor)
            throw ChildProcess.Failure(description: "cannot listen on 127.0.0.1:\(port)")
        }
    }

    deinit { close(descriptor) }
}
