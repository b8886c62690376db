import CHiredis
import Glibc

/// A blocking connection to one Redis server through hiredis. Commands are
/// argument vectors, never formatted strings. Logging in (AUTH, SELECT) is
/// pipelined with the first request, so a whole request costs one round trip.
final class RedisConnection {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let context: UnsafeMutablePointer<redisContext>
    private let timeout: Double
    private var pendingLogin: [[[UInt8]]]

    init(_ endpoint: RedisEndpoint, timeout: Double) throws {
        let interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        let opened: UnsafeMutablePointer<redisContext>?
        switch endpoint.address {
        case .tcp(let host, let port): opened = redisConnectWithTimeout(host, Int32(port), interval)
        case .unix(let path): opened = redisConnectUnixWithTimeout(path, interval)
        }
        guard let context = opened else { throw Failure(description: "cannot allocate a Redis connection") }
        if context.pointee.err != 0 {
            let reason = Self.errorText(context)
            redisFree(context)
            throw Failure(description: reason.includes("timed out") || reason.includes("in progress")
                          ? "connect timed out after \(timeout) s" : reason)
        }
        redisSetTimeout(context, interval)
        self.context = context
        self.timeout = timeout
        var login: [[[UInt8]]] = []
        if let password = endpoint.password {
            login.append((endpoint.username.map { ["AUTH", $0] } ?? ["AUTH"]).map { Array($0.utf8) } + [Array(password.utf8)])
        }
        if endpoint.database != 0 { login.append([Array("SELECT".utf8), Array(String(endpoint.database).utf8)]) }
        pendingLogin = login
    }

    deinit { redisFree(context) }

    /// Sends every command in one write and reads every reply. Error
    /// replies to the login commands become failures.
    func pipeline(_ commands: [[[UInt8]]]) throws -> [RedisReply] {
        let login = pendingLogin
        pendingLogin = []
        for command in login + commands { try append(command) }
        var replies: [RedisReply] = []
        for _ in 0..<(login.count + commands.count) { replies.append(try readReply()) }
        for (command, reply) in zip(login, replies) {
            if case .error(let message) = reply {
                let name = String(decoding: command[0], as: UTF8.self)
                throw Failure(description: name == "AUTH" ? "authentication failed: \(message)" : "SELECT failed: \(message)")
            }
        }
        return Array(replies.dropFirst(login.count))
    }

    func command(_ arguments: [[UInt8]]) throws -> RedisReply {
        try pipeline([arguments])[0]
    }

    private func append(_ arguments: [[UInt8]]) throws {
        // hiredis copies the arguments into its output buffer before returning.
        let buffers = arguments.map { argument -> UnsafeMutablePointer<CChar> in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(argument.count, 1))
            argument.withUnsafeBytes { raw in
                if let base = raw.baseAddress { memcpy(buffer, base, raw.count) }
            }
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var pointers = buffers.map { UnsafePointer<CChar>?(UnsafePointer($0)) }
        var lengths = arguments.map(\.count)
        guard redisAppendCommandArgv(context, Int32(arguments.count), &pointers, &lengths) == REDIS_OK else {
            throw Failure(description: Self.errorText(context))
        }
    }

    private func readReply() throws -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            let reason = Self.errorText(context)
            throw Failure(description: reason.includes("Resource temporarily unavailable")
                          ? "no reply within \(timeout) s (server stopped answering)" : reason)
        }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        func text() -> [UInt8] {
            guard let pointer = value.str else { return [] }
            return Array(UnsafeRawBufferPointer(start: pointer, count: Int(value.len)))
        }
        switch value.type {
        case REDIS_REPLY_STRING: return .string(text())
        case REDIS_REPLY_STATUS: return .status(String(decoding: text(), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: text(), as: UTF8.self))
        case REDIS_REPLY_INTEGER: return .integer(Int(value.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<Int(value.elements)).compactMap { index in value.element[index].map(convert) })
        default: return .null
        }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        let text = withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch context.pointee.err {
        case REDIS_ERR_EOF: return "the server closed the connection" + (text.isEmpty ? "" : " (\(text))")
        default: return text.isEmpty ? "Redis connection error \(context.pointee.err)" : text
        }
    }
}
