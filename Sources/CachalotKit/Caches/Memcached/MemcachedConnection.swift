/// One connection to one memcached server, speaking the text protocol over
/// cachalot's own socket: requests are written whole (pipelined), replies
/// read with bounded lines and values, every wait ending by the exchange's
/// deadline.
final class MemcachedConnection {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// What to check, where the failure says more than "down" (a refused login).
        var hint: String? = nil
    }

    /// One item of a get/gets reply.
    struct Item {
        var key: String
        var flags: UInt32
        var data: [UInt8]
        var cas: UInt64?
        /// Seconds since its last access (a meta get's `l` flag).
        var idleSeconds: Int?
    }

    /// The longest line a reply may have (a VALUE or metadump line with a
    /// 250-byte key, URL-encoded, is well under it).
    static let lineLimit = 8 * 1024

    private let stream: ByteStream
    private let timeout: Double
    /// Whether it speaks the binary protocol: once it authenticated with
    /// SASL, the only protocol such a server speaks.
    var speaksBinary = false
    private var deadline = Deadline.after(0)
    private var buffer: [UInt8] = []
    private var position = 0

    init(_ address: NetworkAddress, timeout: Double) throws {
        do {
            stream = try SocketStream.connect(address, timeout: timeout)
        } catch let failure as NetworkFailure {
            throw Failure(description: failure.kind == .connectTimeout
                          ? "no connection within \(PythonFloatRepr.repr(timeout)) s" : failure.description)
        }
        self.timeout = timeout
    }

    /// A connection over a stream someone else opened (the fuzzer's bytes).
    init(stream: ByteStream, timeout: Double) {
        self.stream = stream
        self.timeout = timeout
    }

    /// Writes a request; the replies that follow must arrive within the timeout.
    func send(_ request: [UInt8]) throws {
        deadline = .after(timeout)
        try network { try stream.send(request, until: deadline) }
    }

    /// The items of one get/gets reply, up to END, holding at most `limit`
    /// bytes of values.
    func readItems(limit: Int) throws -> [Item] {
        var items: [Item] = []
        var total = 0
        while true {
            let line = try readLine()
            if line == "END" { return items }
            // Split as bytes: splitting Characters was a third of a 1,000-key read.
            let fields = line.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map { Substring($0) }
            guard fields.count == 4 || fields.count == 5, fields[0] == "VALUE", let flags = UInt32(fields[2]),
                  let length = Int(fields[3]), length >= 0 else { throw try unexpected(line) }
            total += length
            guard length <= valueLimit, total <= limit else {
                throw Failure(description: "the reply is larger than \(min(limit, valueLimit) >> 20) MiB; refused (a value this large is not django-cachalot's)")
            }
            let data = try readBytes(length)
            guard try readBytes(2) == [0x0d, 0x0a] else { throw Failure(description: "malformed reply from the server: a value without its CRLF") }
            let cas = fields.count == 5 ? UInt64(fields[4]) : nil
            items.append(Item(key: String(fields[1]), flags: flags, data: data, cas: cas))
        }
    }

    /// The items of pipelined quiet meta gets (`mg <key> v f k l u q`, then
    /// `mn`): a hit is `VA <length> f<flags> k<key> l<idle>` and the value,
    /// a miss says nothing, `MN` ends the reply. At most `limit` bytes of values.
    func readMetaItems(limit: Int) throws -> [Item] {
        var items: [Item] = []
        var total = 0
        while true {
            let line = try readLine()
            if line == "MN" { return items }
            let fields = line.split(separator: " ")
            guard fields.count >= 2, fields[0] == "VA", let length = Int(fields[1]), length >= 0,
                  let flags = fields.first(where: { $0.hasPrefix("f") }).flatMap({ UInt32($0.dropFirst()) }),
                  let key = fields.first(where: { $0.hasPrefix("k") }).map({ String($0.dropFirst()) }) else {
                throw try unexpected(line)
            }
            total += length
            guard length <= valueLimit, total <= limit else {
                throw Failure(description: "the reply is larger than \(min(limit, valueLimit) >> 20) MiB; refused (a value this large is not django-cachalot's)")
            }
            let data = try readBytes(length)
            guard try readBytes(2) == [0x0d, 0x0a] else { throw Failure(description: "malformed reply from the server: a value without its CRLF") }
            let idle = fields.first(where: { $0.hasPrefix("l") }).flatMap { Int($0.dropFirst()) }
            items.append(Item(key: key, flags: flags, data: data, cas: nil, idleSeconds: idle))
        }
    }

    /// A one-line reply (STORED, EXISTS, NOT_FOUND, NOT_STORED, VERSION …);
    /// error replies become failures.
    func readStatus() throws -> String {
        let line = try readLine()
        if line == "ERROR" || line.hasPrefix("CLIENT_ERROR") || line.hasPrefix("SERVER_ERROR") { throw try unexpected(line) }
        return line
    }

    /// A one-line reply as it is, error replies included (a storage
    /// command's SERVER_ERROR is an answer about that key).
    func readReplyLine() throws -> String { try readLine() }

    /// `STAT name value` lines up to END.
    func readStats() throws -> [(name: String, value: String)] {
        var stats: [(name: String, value: String)] = []
        while true {
            let line = try readLine()
            if line == "END" { return stats }
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count == 3, fields[0] == "STAT" else { throw try unexpected(line) }
            stats.append((String(fields[1]), String(fields[2])))
            guard stats.count < 10_000 else { throw Failure(description: "too many stats lines") }
        }
    }

    /// Lines up to END, each given to `visit` (metadump's lines end in LF
    /// alone). The deadline is renewed while lines keep coming.
    func readLines(_ visit: (String) throws -> Void) throws {
        while true {
            let line = try readLine()
            if line == "END" { return }
            if line == "ERROR" || line.hasPrefix("CLIENT_ERROR") || line.hasPrefix("SERVER_ERROR") || line.hasPrefix("BUSY") {
                throw try unexpected(line)
            }
            try visit(line)
            deadline = .after(timeout)
        }
    }

    /// One line without its CR LF (or LF).
    private func readLine() throws -> String {
        // How far past `position` has been searched (fill() moves the bytes, not this offset).
        var searched = 0
        while true {
            if let newline = buffer[(position + searched)...].firstIndex(of: 0x0a) {
                var end = newline
                if end > position, buffer[end - 1] == 0x0d { end -= 1 }
                let line = String(decoding: buffer[position..<end], as: UTF8.self)
                position = newline + 1
                return line
            }
            searched = buffer.count - position
            guard searched <= Self.lineLimit else {
                throw Failure(description: "malformed reply from the server: a line longer than \(Self.lineLimit) bytes")
            }
            try fill()
        }
    }

    func readBytes(_ count: Int) throws -> [UInt8] {
        while buffer.count - position < count { try fill() }
        let bytes = Array(buffer[position..<position + count])
        position += count
        return bytes
    }

    /// Reads more from the socket, dropping what was consumed.
    private func fill() throws {
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        let got = try network { try stream.receiveChunk(until: deadline) { buffer += $0 } }
        guard got > 0 else { throw Failure(description: "the server closed the connection") }
    }

    private func unexpected(_ line: String) throws -> Failure {
        Failure(description: line.hasPrefix("SERVER_ERROR") || line.hasPrefix("CLIENT_ERROR") || line == "ERROR"
                ? "the server answered \(quoted(line))" : "malformed reply from the server: \(quoted(line))")
    }

    private func network<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as NetworkFailure {
            throw Failure(description: failure.kind == .replyTimeout
                          ? "no complete reply within \(PythonFloatRepr.repr(timeout)) s (the server stopped answering or answers too slowly)"
                          : failure.description)
        }
    }
}
