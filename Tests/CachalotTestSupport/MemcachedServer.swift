import Glibc
import Testing
@testable import CachalotKit

/// A real memcached (Debian's package) on a free loopback port and a unix
/// socket in a temporary folder, started for one test and stopped with it.
public final class MemcachedServer {
    public let port: Int
    public let directory: TemporaryDirectory
    public let socketPath: String
    private var pid: pid_t = 0
    private var socketPid: pid_t = 0

    public init() throws {
        let binary = try #require(ChildProcess.locate("memcached"), "memcached is not installed (make test installs Debian's memcached)")
        port = try freeLoopbackPort()
        directory = try TemporaryDirectory("cachalot-memcached")
        socketPath = directory.file("memcached.sock")
        let user = getuid() == 0 ? ["-u", "nobody"] : []
        if getuid() == 0 { _ = try ChildProcess.run(["/bin/chown", "nobody", directory.path]) }
        pid = try ChildProcess.spawn([binary, "-l", "127.0.0.1", "-p", String(port), "-U", "0"] + user)
        socketPid = try ChildProcess.spawn([binary, "-s", socketPath, "-a", "0777"] + user)
        let up = waitUntil(seconds: 10) {
            (try? MemcachedConnection(.tcp(host: "127.0.0.1", port: self.port), timeout: 1)) != nil
                && access(self.socketPath, F_OK) == 0
        }
        guard up else {
            stop()
            throw ChildProcess.Failure(description: "memcached did not start on port \(port)")
        }
    }

    deinit { stop() }

    public func stop() {
        for process in [pid, socketPid] where process > 0 { ChildProcess.stop(process) }
        pid = 0
        socketPid = 0
    }

    public var location: String { "127.0.0.1:\(port)" }

    /// The item stored under a made key, read with a raw `get`.
    public func item(_ made: String) throws -> (flags: UInt32, data: [UInt8])? {
        let connection = try MemcachedConnection(.tcp(host: "127.0.0.1", port: port), timeout: 2)
        try connection.send(Array("get \(made)\r\n".utf8))
        return try connection.readItems(limit: 1 << 20).first.map { ($0.flags, $0.data) }
    }

    public func set(_ made: String, flags: UInt32, data: [UInt8]) throws {
        let connection = try MemcachedConnection(.tcp(host: "127.0.0.1", port: port), timeout: 2)
        try connection.send(MemcachedConnection.textStorage(.set, made, (flags, data), exptime: 0))
        #expect(try connection.readReplyLine() == "STORED")
    }
}
