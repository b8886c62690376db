import Glibc

/// How long a Redis connection may wait: to connect, for each socket
/// operation (django-redis `SOCKET_TIMEOUT`, redis-py `socket_timeout`), and
/// for a whole request and its replies (`--timeout`).
struct RedisTimeouts: Equatable {
    var connect: Double
    var operation: Double?
    var exchange: Double
}

/// A connection to one Redis server. cachalot owns the socket, so every
/// wait is bounded, and reads replies with its own bounded RESP reader
/// (RedisReplyReader). Commands are argument vectors encoded as RESP,
/// never formatted strings. Logging in (AUTH, SELECT) is pipelined with the
/// first request, so a whole request costs one round trip.
final class RedisConnection {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// The server asked for a password cachalot did not have.
        var needsAuthentication = false
        /// The server refused the login (AUTH) or the database (SELECT).
        var loginRefused = false

        /// Another try, or another node, may fare better: not a login problem.
        var isRetryable: Bool { !needsAuthentication && !loginRefused }
    }

    /// A reply bigger than this is refused unless the request says otherwise.
    static let defaultReplyLimit = 64 << 20

    private let stream: ByteStream
    private let timeouts: RedisTimeouts
    private var pendingLogin: [[[UInt8]]]

    init(_ endpoint: RedisEndpoint, timeouts: RedisTimeouts) throws {
        do {
            let socket = try SocketStream.connect(endpoint.address, timeout: timeouts.connect)
            socket.operationTimeout = timeouts.operation
            if let tls = endpoint.tls, case .tcp(let host, _) = endpoint.address {
                stream = try TLSStream(over: socket, host: host, settings: tls, until: .after(timeouts.connect))
            } else {
                stream = socket
            }
        } catch let failure as NetworkFailure {
            throw Failure(description: failure.kind == .connectTimeout
                          ? "no connection within \(PythonFloatRepr.repr(timeouts.connect)) s" : failure.description)
        }
        self.timeouts = timeouts
        var login: [[[UInt8]]] = []
        if let password = endpoint.password {
            login.append((endpoint.username.map { ["AUTH", $0] } ?? ["AUTH"]).map { Array($0.utf8) } + [Array(password.utf8)])
        }
        if endpoint.database != 0 { login.append([Array("SELECT".utf8), Array(String(endpoint.database).utf8)]) }
        pendingLogin = login
    }

    /// A connection over a stream someone else opened (the fuzzer's bytes).
    init(stream: ByteStream, timeouts: RedisTimeouts) {
        self.stream = stream
        self.timeouts = timeouts
        pendingLogin = []
    }

    convenience init(_ endpoint: RedisEndpoint, timeout: Double) throws {
        try self.init(endpoint, timeouts: RedisTimeouts(connect: timeout, operation: nil, exchange: timeout))
    }

    /// Sends every command in one write and reads every reply, all within
    /// the exchange timeout and `replyLimit` bytes. Error replies to the
    /// login commands become failures.
    func pipeline(_ commands: [[[UInt8]]], replyLimit: Int = defaultReplyLimit) throws -> [RedisReply] {
        precondition(unread.isEmpty, "a Redis pipeline on a connection that still owes replies")
        let deadline = Deadline.after(timeouts.exchange)
        try send(commands, until: deadline)
        return try receive(replyLimit: replyLimit, until: deadline)
    }

    /// Requests sent whose replies are not all read, oldest first: the
    /// login commands in front (of the first request only), and how many
    /// of the caller's replies each still owes.
    private var unread: [(login: [[[UInt8]]], count: Int)] = []
    /// Replies, and bytes of replies, read past what was asked for: the
    /// start of a request queued behind.
    private var reader = RedisReplyReader(limit: 0)
    /// A send or a read failed part-way: what is queued and what the reader
    /// holds no longer match, so the connection serves nothing more.
    private var broken = false

    /// Sends every command in one write; `receive` reads the replies.
    /// Requests may queue: a scan sends its next batch as soon as it knows
    /// the keys, before the replies to the last are read, so the server
    /// always has work.
    func send(_ commands: [[[UInt8]]], until deadline: Deadline? = nil) throws {
        guard !commands.isEmpty else { return }
        guard !broken else { throw Failure(description: "the connection failed earlier in this run") }
        let login = pendingLogin
        pendingLogin = []
        let deadline = deadline ?? .after(timeouts.exchange)
        var request: [UInt8] = []
        for command in login + commands { Self.encode(command, into: &request) }
        do {
            try stream.send(request, until: deadline)
        } catch let failure as NetworkFailure {
            broken = true
            throw Self.failure(failure, timeouts)
        }
        unread.append((login, commands.count))
    }

    /// The replies to the oldest request `send` sent (the `first` of them
    /// only, when given: the others stay for the next call), by `deadline`,
    /// else within an exchange timeout of their own: what the caller did
    /// between the two (a scan classifying the last batch, asking replicas)
    /// is not the server's delay.
    func receive(replyLimit: Int = defaultReplyLimit, until deadline: Deadline? = nil, first: Int? = nil) throws -> [RedisReply] {
        guard !broken else { throw Failure(description: "the connection failed earlier in this run") }
        guard let (login, owed) = unread.first else { return [] }
        let count = first ?? owed
        precondition(count <= owed, "more Redis replies asked for than the request owes")
        unread[0] = ([], owed - count)
        if owed == count { unread.removeFirst() }
        let deadline = deadline ?? .after(timeouts.exchange)
        broken = true  // until every reply asked for is read
        do {
            let replies = try read(login.count + count, limit: replyLimit, until: deadline)
            for (command, reply) in zip(login, replies) {
                if case .error(let message) = reply {
                    let name = String(decoding: command[0], as: UTF8.self)
                    throw Failure(description: name == "AUTH" ? "authentication failed: \(message)" : "SELECT failed: \(message)", loginRefused: true)
                }
            }
            broken = false
            return Array(replies.dropFirst(login.count))
        } catch let failure as NetworkFailure {
            throw Self.failure(failure, timeouts)
        }
    }

    private static func failure(_ failure: NetworkFailure, _ timeouts: RedisTimeouts) -> Failure {
        Failure(description: failure.kind == .replyTimeout
                ? "no complete reply within \(PythonFloatRepr.repr(timeouts.exchange)) s (the server stopped answering or answers too slowly)"
                : failure.description)
    }

    func command(_ arguments: [[UInt8]]) throws -> RedisReply {
        try pipeline([arguments])[0]
    }

    /// The socket, for waiting on a subscription with poll().
    var descriptor: Int32 { stream.descriptor }

    /// SUBSCRIBE to `channels` and reads the server's confirmation of each;
    /// from then on the connection only receives pushed messages.
    func subscribe(_ channels: [[UInt8]]) throws {
        var request: [UInt8] = []
        Self.encode([Array("SUBSCRIBE".utf8)] + channels, into: &request)
        let deadline = Deadline.after(timeouts.exchange)
        do {
            try stream.send(request, until: deadline)
            let replies = try read(channels.count, limit: 64 * 1024 + channels.count * 256, until: deadline)
            if case .error(let message)? = replies.first { throw Failure(description: "SUBSCRIBE failed: \(message)") }
        } catch let failure as NetworkFailure {
            throw Failure(description: failure.description)
        }
    }

    /// Reads what a subscribed server pushed (call when poll() says the
    /// socket is readable): the messages it completes. A closed connection
    /// (the server restarted) is a failure.
    func receivePushes(into reader: inout RedisReplyReader) throws -> [RedisReply] {
        do {
            let got = try stream.receiveChunk(maximum: 16 * 1024, until: Deadline.after(timeouts.exchange)) { try reader.feed($0) }
            guard got > 0 else { throw Failure(description: "the server closed the connection") }
        } catch let failure as NetworkFailure {
            throw Failure(description: failure.description)
        } catch let malformed as RedisReplyReader.Malformed {
            throw Failure(description: "malformed message from the server: \(malformed.description)")
        }
        return reader.takeReplies()
    }

    /// `*<n>\r\n` then `$<length>\r\n<bytes>\r\n` per argument. Counts are
    /// written digit by digit: a scan encodes two commands per key, and
    /// going through String for each count was a tenth of its CPU.
    static func encode(_ arguments: [[UInt8]], into request: inout [UInt8]) {
        appendHeader(UInt8(ascii: "*"), arguments.count, into: &request)
        for argument in arguments {
            appendHeader(UInt8(ascii: "$"), argument.count, into: &request)
            request += argument
            request.append(0x0d)
            request.append(0x0a)
        }
    }

    private static func appendHeader(_ marker: UInt8, _ count: Int, into request: inout [UInt8]) {
        request.append(marker)
        var divisor = 1
        while divisor <= count / 10 { divisor *= 10 }
        var rest = count
        while divisor > 0 {
            request.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
        request.append(0x0d)
        request.append(0x0a)
    }

    /// Reads `count` replies, taking in at most `limit` more bytes.
    private func read(_ count: Int, limit: Int, until deadline: Deadline) throws -> [RedisReply] {
        reader.allow(limit)
        while reader.replies.count < count {
            do {
                let got = try stream.receiveChunk(until: deadline) { try reader.feed($0) }
                guard got > 0 else { throw closedFailure(replies: reader.replies) }
            } catch let malformed as RedisReplyReader.Malformed {
                throw Failure(description: malformed.description == "too large"
                              ? "the reply is larger than \(limit) bytes; refused (a value this large is not django-cachalot's)"
                              : "malformed reply from the server: \(malformed.description)")
            }
        }
        return reader.take(count)
    }

    /// Redis closes the connection of a client that sends a large request
    /// before logging in, after an error reply saying so.
    private func closedFailure(replies: [RedisReply]) -> Failure {
        if case .error(let message)? = replies.last, message.includes("unauthenticated") || message.hasPrefix("NOAUTH") {
            return Failure(description: message, needsAuthentication: true)
        }
        return Failure(description: "the server closed the connection")
    }
}
