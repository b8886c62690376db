import Glibc
import Testing
@testable import CachalotKit

/// A real redis-server on a free loopback port, without persistence,
/// started for one test and stopped with it.
public final class RedisServer {
    public let port: Int
    public let directory: TemporaryDirectory
    public let socketPath: String
    private var pid: pid_t = 0

    public init(extraArguments: [String] = []) throws {
        let binary = try #require(ChildProcess.locate("redis-server"),
                                  "redis-server is not installed (make test installs Debian's redis-server)")
        port = try freeLoopbackPort()
        directory = try TemporaryDirectory("cachalot-redis")
        socketPath = directory.file("redis.sock")
        let arguments = [binary, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--dir", directory.path, "--unixsocket", socketPath, "--unixsocketperm", "700",
                         "--logfile", directory.file("redis.log")] + extraArguments
        pid = try ChildProcess.spawn(arguments)
        // Any reply, PONG or NOAUTH, means the server is up.
        let up = waitUntil(seconds: 10) {
            (try? RedisConnection(endpoint(), timeout: 1).command([Array("PING".utf8)])) != nil
        }
        guard up else {
            stop()
            throw ChildProcess.Failure(description: "redis-server did not start on port \(port)")
        }
    }

    deinit { stop() }

    public func stop() {
        if pid > 0 { ChildProcess.stop(pid) }
        pid = 0
    }

    public func pause() { kill(pid, SIGSTOP) }
    public func resume() { kill(pid, SIGCONT) }

    public func endpoint(password: String? = nil, username: String? = nil) -> RedisEndpoint {
        RedisEndpoint(address: .tcp(host: "127.0.0.1", port: port), username: username, password: password)
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Runs one command on a fresh connection (as an admin would with redis-cli).
    @discardableResult
    public func run(_ arguments: String..., password: String? = nil) throws -> RedisReply {
        try RedisConnection(endpoint(password: password), timeout: 2).command(arguments.map { Array($0.utf8) })
    }

    public func rawValue(_ key: String, password: String? = nil) throws -> [UInt8]? {
        try run("GET", key, password: password).bytes
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
