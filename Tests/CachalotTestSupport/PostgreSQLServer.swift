@testable import CachalotKit
import Glibc
import Testing

/// A real PostgreSQL server (Debian's postgresql package) for one test:
/// initdb into a temporary folder as an unprivileged user, a free loopback
/// port, the socket in that folder, no system service. The superuser
/// `postgres` is trusted; other roles log in with scram-sha-256 passwords
/// over TCP. Unchecked Sendable: tests share one (TestDatabase), and after
/// start-up only `stop()` changes it, which only a test that owns it calls.
public final class PostgreSQLServer: @unchecked Sendable {
    public let port: Int
    public let directory: TemporaryDirectory
    private var pid: pid_t = 0
    private let binaries: String
    /// Runs a program as the unprivileged user when the tests run as root
    /// (initdb and postgres refuse root).
    private let runAs: [String]

    public init(settings extra: [String] = []) throws {
        let postgres = try #require(Self.locateBinaries(),
                                    "PostgreSQL server binaries not found (make test installs Debian's postgresql)")
        binaries = postgres
        port = try freeLoopbackPort()
        directory = try TemporaryDirectory("cachalot-postgresql")
        runAs = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] : []
        if getuid() == 0 { _ = try ChildProcess.run(["/bin/chown", "nobody:nogroup", directory.path]) }
        let data = directory.file("data")
        let initdb = try ChildProcess.run(runAs + [binaries + "/initdb", "-D", data, "-U", "postgres", "--auth=trust",
                                                   "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
                                          output: directory.file("initdb.log"))
        guard initdb == 0 else { throw ChildProcess.Failure(description: "initdb failed (\(directory.file("initdb.log")))") }
        try directory.write("data/pg_hba.conf", """
            local all all trust
            host all postgres 127.0.0.1/32 trust
            host all all 127.0.0.1/32 scram-sha-256

            """)
        pid = try ChildProcess.spawn(runAs + [binaries + "/postgres", "-D", data, "-p", String(port), "-k", directory.path,
                                              "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                                              "-c", "full_page_writes=off"] + extra.flatMap { ["-c", $0] },
                                     output: directory.file("postgres.log"))
        guard waitUntil(seconds: 15, { (try? self.run("SELECT 1")) == "1" }) else {
            stop()
            throw ChildProcess.Failure(description: "postgres did not start on port \(port) (\(directory.file("postgres.log")))")
        }
    }

    deinit { stop() }

    /// Immediate shutdown (SIGQUIT): the postmaster takes its backends along.
    public func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGQUIT)
        _ = ChildProcess.wait(pid)
        pid = 0
    }

    /// The newest /usr/lib/postgresql/<version>/bin holding initdb.
    static func locateBinaries() -> String? {
        let versions = ((try? FileSystem.list("/usr/lib/postgresql")) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "/usr/lib/postgresql/\($0)/bin" }.first { access($0 + "/initdb", X_OK) == 0 }
    }

    /// Runs SQL with psql as the superuser over the socket; its output, unaligned, no headers.
    @discardableResult
    public func run(_ sql: String, database: String = "postgres") throws -> String {
        let output = directory.file("psql-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out")
        defer { unlink(output) }
        let status = try ChildProcess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", directory.path,
                                           "-p", String(port), "-U", "postgres", "-d", database, "-c", sql], output: output)
        let text = (try? FileSystem.read(output, limit: 1 << 20)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard status == 0 else { throw ChildProcess.Failure(description: "psql failed (\(status)): \(text)") }
        return text.trimmed()
    }

    /// DATABASES settings reaching this server; over the socket folder by default.
    public func settings(alias: String = "default", name: String = "postgres", user: String = "postgres",
                         password: String = "", tcp: Bool = false,
                         options: [String: SettingsValue] = [:]) -> DatabaseSettings {
        var database = DatabaseSettings(alias: alias, engine: .postgresql, engineName: "django.db.backends.postgresql", name: name)
        database.host = tcp ? "127.0.0.1" : directory.path
        database.port = String(port)
        database.user = user
        database.password = password
        database.options = options
        return database
    }
}
