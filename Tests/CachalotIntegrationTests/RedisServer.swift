import Foundation
import Testing
@testable import CachalotKit

/// A real redis-server on a free loopback port, without persistence,
/// started for one test and stopped with it.
final class RedisServer {
    let port: Int
    let directory: String
    let socketPath: String
    private var pid: pid_t = 0

    init(extraArguments: [String] = []) throws {
        let binary = "/usr/bin/redis-server"
        try #require(FileManager.default.isExecutableFile(atPath: binary),
                     "redis-server is not installed (make test installs Debian's redis-server)")
        port = try Self.freePort()
        directory = NSTemporaryDirectory() + "cachalot-redis-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socketPath = directory + "/redis.sock"
        let arguments = [binary, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--dir", directory, "--unixsocket", socketPath, "--unixsocketperm", "700",
                         "--logfile", directory + "/redis.log"] + extraArguments
        pid = try Self.spawn(arguments)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            // Any reply, PONG or NOAUTH, means the server is up.
            if (try? RedisConnection(endpoint(), timeout: 1).command([Array("PING".utf8)])) != nil { return }
            usleep(50_000)
        }
        stop()
        Issue.record("redis-server did not start on port \(port)")
        throw RedisConnection.Failure(description: "redis-server did not start")
    }

    deinit { stop() }

    func stop() {
        if pid > 0 {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            pid = 0
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// posix_spawn rather than Foundation's Process, whose exit handling
    /// hangs when a test kills and reaps the server itself.
    private static func spawn(_ arguments: [String]) throws -> pid_t {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        try #require(status == 0, "cannot start \(arguments[0]): \(String(cString: strerror(status)))")
        return pid
    }

    func pause() { kill(pid, SIGSTOP) }
    func resume() { kill(pid, SIGCONT) }

    func endpoint(password: String? = nil, username: String? = nil) -> RedisEndpoint {
        RedisEndpoint(address: .tcp(host: "127.0.0.1", port: port), username: username, password: password)
    }

    var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Runs one command on a fresh connection (as an admin would with redis-cli).
    @discardableResult
    func run(_ arguments: String..., password: String? = nil) throws -> RedisReply {
        try RedisConnection(endpoint(password: password), timeout: 2).command(arguments.map { Array($0.utf8) })
    }

    func rawValue(_ key: String, password: String? = nil) throws -> [UInt8]? {
        try run("GET", key, password: password).bytes
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Int32 in
                guard bind(descriptor, raw, length) == 0 else { return -1 }
                return getsockname(descriptor, raw, &length)
            }
        }
        try #require(bound == 0, "no free loopback port")
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension RedisReply: CustomStringConvertible {
    public var description: String {
        switch self {
        case .string(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .status(let text), .error(let text): return text
        case .integer(let value): return String(value)
        case .array(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .null: return "nil"
        }
    }
}
