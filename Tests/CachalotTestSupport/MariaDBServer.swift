@testable import CachalotKit
import Glibc
import Testing

/// A real MariaDB server (Debian's mariadb-server) for one test: a data
/// directory initialised in a temporary folder, run as an unprivileged
/// user, a free loopback port and a socket in the folder, no system
/// service. root logs in over the socket; `site` / `site-pass` over TCP.
/// Unchecked Sendable: tests share one (TestDatabase), and after start-up
/// only `stop()` changes it, which only a test that owns it calls.
public final class MariaDBServer: @unchecked Sendable {
    public let port: Int
    public let directory: TemporaryDirectory
    private var pid: pid_t = 0

    public init() throws {
        let daemon = try #require(ChildProcess.locate("mariadbd"), "mariadbd is not installed (make test installs Debian's mariadb-server)")
        port = try freeLoopbackPort()
        directory = try TemporaryDirectory("cachalot-mariadb")
        let user = getuid() == 0 ? ["--user=nobody"] : []
        // A temporary folder of its own: servers bootstrapping side by side
        // in /tmp remove each other's temporary tables.
        let temporary = directory.file("tmp")
        guard mkdir(temporary, 0o700) == 0 else { throw ChildProcess.Failure(description: "cannot create \(temporary)") }
        if getuid() == 0 { _ = try ChildProcess.run(["/bin/chown", "-R", "nobody:nogroup", directory.path]) }
        let install = try ChildProcess.run(["mariadb-install-db", "--no-defaults", "--datadir=" + directory.file("data"),
                                            "--tmpdir=" + temporary, "--auth-root-authentication-method=socket", "--skip-test-db"] + user,
                                           output: directory.file("install.log"))
        guard install == 0 else { throw ChildProcess.Failure(description: "mariadb-install-db failed (\(directory.file("install.log")))") }
        pid = try ChildProcess.spawn([daemon, "--no-defaults", "--datadir=" + directory.file("data"), "--tmpdir=" + temporary, "--socket=" + socketPath,
                                      "--port=\(port)", "--bind-address=127.0.0.1", "--pid-file=" + directory.file("pid"),
                                      "--skip-log-bin", "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M"] + user,
                                     output: directory.file("mariadb.log"))
        guard waitUntil(seconds: 30, { (try? self.run("SELECT 1")) == "1" }) else {
            stop()
            throw ChildProcess.Failure(description: "mariadbd did not start on port \(port) (\(directory.file("mariadb.log")))")
        }
        try run("CREATE DATABASE site CHARACTER SET utf8mb4; CREATE USER 'site'@'%' IDENTIFIED BY 'site-pass'; GRANT ALL ON site.* TO 'site'@'%';")
    }

    deinit { stop() }

    public var socketPath: String { directory.file("sock") }

    public func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGKILL)
        _ = ChildProcess.wait(pid)
        pid = 0
    }

    /// Runs SQL with the mariadb client as root over the socket; its output, tab-separated, no headers.
    @discardableResult
    public func run(_ sql: String, database: String? = nil) throws -> String {
        let output = directory.file("client-\(UInt32.random(in: 0...UInt32.max)).out")
        defer { unlink(output) }
        let status = try ChildProcess.run(["mariadb", "--no-defaults", "-S", socketPath, "-u", "root", "-N", "-B", "-e", sql]
                                          + (database.map { [$0] } ?? []), output: output)
        let text = (try? FileSystem.read(output, limit: 1 << 20)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard status == 0 else { throw ChildProcess.Failure(description: "mariadb failed (\(status)): \(text)") }
        return text.trimmed()
    }

    /// DATABASES settings reaching this server as `site` over TCP.
    public func settings(name: String = "site", user: String = "site", password: String = "site-pass",
                         options: [String: SettingsValue] = [:]) -> DatabaseSettings {
        var database = DatabaseSettings(alias: "default", engine: .mysql, engineName: "django.db.backends.mysql", name: name)
        database.host = "127.0.0.1"
        database.port = String(port)
        database.user = user
        database.password = password
        database.options = options
        return database
    }
}
