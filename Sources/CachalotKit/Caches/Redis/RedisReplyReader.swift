/// Reads RESP2 replies from bytes as they arrive, resuming where it
/// stopped. Everything is bounded before it is allocated: an announced
/// string or array larger than the bytes the exchange may still bring is
/// refused at its header (hiredis 0.14's reader allocates an array's
/// element table on its header: `*299999999` cost gigabytes before a single
/// element came, found by the fuzzer), and replies nest at most 16 deep.
struct RedisReplyReader {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    static let maximumDepth = 16

    /// Replies completed so far.
    private(set) var replies: [RedisReply] = []
    private var buffer: [UInt8] = []
    private var position = 0
    /// Arrays being filled: how many elements each still needs.
    private var open: [(remaining: Int, items: [RedisReply])] = []
    /// A bulk string whose header was read: its length.
    private var pendingBulk: Int?
    /// Bytes this reader may still take in.
    private var budget: Int
    /// How far the search for the current line's CRLF has got.
    private var lineScan = 0

    /// `perReply`: for a stream that never ends (a subscription) the limit
    /// holds for each reply, not for the whole exchange.
    init(limit: Int, perReply: Bool = false) {
        budget = limit
        self.limit = limit
        self.perReply = perReply
    }

    private let limit: Int
    private let perReply: Bool

    /// Hands over the completed replies and forgets them.
    mutating func takeReplies() -> [RedisReply] {
        defer { replies.removeAll() }
        return replies
    }

    /// Hands over the first `count` completed replies; the others wait
    /// for the next call (the replies of a request queued behind).
    mutating func take(_ count: Int) -> [RedisReply] {
        defer { replies.removeFirst(min(count, replies.count)) }
        return Array(replies.prefix(count))
    }

    /// Lets `limit` more bytes in: a connection that reads several
    /// requests through one reader gives each read its own limit.
    mutating func allow(_ limit: Int) {
        budget = limit
    }

    /// Takes more bytes from the server and parses what it can.
    mutating func feed<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
        budget -= bytes.count
        guard budget >= 0 else { throw Malformed(description: "too large") }
        if position > 0 && position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
            lineScan = 0
        } else if position > 0 && (perReply || position >= buffer.count / 2) {
            // A stream that never ends (a subscription, a scan's queued requests)
            // rarely stops at a reply's end: drop what is parsed.
            buffer.removeFirst(position)
            lineScan -= position
            position = 0
        }
        buffer += bytes
        while let reply = try next() { complete(reply) }
    }

    private mutating func complete(_ reply: RedisReply) {
        var reply = reply
        while !open.isEmpty {
            open[open.count - 1].items.append(reply)
            open[open.count - 1].remaining -= 1
            guard open[open.count - 1].remaining == 0 else { return }
            reply = .array(open.removeLast().items)
        }
        replies.append(reply)
        // The bytes not yet parsed were counted when they came in.
        if perReply { budget = limit - (buffer.count - position) }
    }

    /// The next complete value, or nil when more bytes are needed.
    private mutating func next() throws -> RedisReply? {
        if let length = pendingBulk {
            guard buffer.count - position >= length + 2 else { return nil }
            let value = Array(buffer[position..<position + length])
            guard buffer[position + length] == 0x0d, buffer[position + length + 1] == 0x0a else {
                throw Malformed(description: "a bulk string does not end with CRLF")
            }
            position += length + 2
            pendingBulk = nil
            return .string(value)
        }
        guard let line = readLine() else { return nil }
        guard let kind = line.first else { throw Malformed(description: "an empty line") }
        let body = line.dropFirst()
        switch kind {
        case UInt8(ascii: "+"): return .status(String(decoding: body, as: UTF8.self))
        case UInt8(ascii: "-"): return .error(String(decoding: body, as: UTF8.self))
        case UInt8(ascii: ":"):
            guard let value = Self.integer(body) else { throw Malformed(description: "an integer that is not one") }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = Self.integer(body), length >= -1 else { throw Malformed(description: "a bad bulk length") }
            guard length >= 0 else { return .null }
            // The string and its CRLF must still fit in what may arrive.
            guard length <= budget + (buffer.count - position) - 2 else { throw Malformed(description: "too large") }
            pendingBulk = length
            return try next()
        case UInt8(ascii: "*"):
            guard let count = Self.integer(body), count >= -1 else { throw Malformed(description: "a bad array length") }
            guard count >= 0 else { return .null }
            guard count > 0 else { return .array([]) }
            // Every element takes at least three bytes (":0\r\n" is four).
            guard count <= (budget + (buffer.count - position)) / 3 else { throw Malformed(description: "too large") }
            guard open.count < Self.maximumDepth else { throw Malformed(description: "arrays nested deeper than \(Self.maximumDepth)") }
            open.append((count, []))
            return try next()
        default:
            // An HTTP server, memcached, a database: say so, with what it sent.
            let start = line.prefix(32)
            let text = String(decoding: start.map { (0x20..<0x7f).contains($0) ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
            throw Malformed(description: "the server does not speak Redis: its reply begins \(quoted(text)) (hex \(TextFormatting.hex(bytes: start)))")
        }
    }

    /// The next CRLF-terminated line without its CRLF, or nil for more bytes.
    private mutating func readLine() -> ArraySlice<UInt8>? {
        var index = max(position, lineScan)
        while index + 1 < buffer.count {
            if buffer[index] == 0x0d && buffer[index + 1] == 0x0a {
                let line = buffer[position..<index]
                position = index + 2
                lineScan = position
                return line
            }
            index += 1
        }
        lineScan = index
        return nil
    }
}

extension RedisReplyReader {
    /// A RESP integer: an optional minus and at least one digit, within
    /// 64 bits; read from the bytes, since two of every three replies of a
    /// scan carry one (a length or a count).
    static func integer<C: Collection>(_ bytes: C) -> Int? where C.Element == UInt8 {
        var digits = bytes[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return nil }
        var value = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdd) = negative ? shifted.subtractingReportingOverflow(Int(byte - UInt8(ascii: "0")))
                                               : shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflowShift, !overflowAdd else { return nil }
            value = next
        }
        return value
    }
}
