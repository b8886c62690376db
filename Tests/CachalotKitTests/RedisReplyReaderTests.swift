import Testing
@testable import CachalotKit

/// The RESP2 reader on replies Redis sends, fed whole and a byte at a time,
/// and on announcements larger than what the exchange may still bring.
struct RedisReplyReaderTests {
    /// Integers as Swift's Int(String) reads them, except the plus sign RESP never sends.
    @Test func integersAreReadFromTheBytes() {
        for text in ["0", "-0", "7", "-42", "123456789", "9223372036854775807", "-9223372036854775808"] {
            #expect(RedisReplyReader.integer(Array(text.utf8)) == Int(text), "\(text)")
        }
        for text in ["", "-", "+5", "1a", " 1", "1 ", "9223372036854775808", "-9223372036854775809", "--1"] {
            #expect(RedisReplyReader.integer(Array(text.utf8)) == nil, "\(text)")
        }
    }

    /// Requests: RESP arrays of bulk strings, counts written digit by digit.
    @Test func requestsAreRESPArraysOfBulkStrings() {
        for length in [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 4097, 65536, 1_000_000] {
            var request: [UInt8] = []
            let argument = [UInt8](repeating: 0x61, count: length)
            RedisConnection.encode([Array("SET".utf8), argument], into: &request)
            #expect(request == Array("*2\r\n$3\r\nSET\r\n$\(length)\r\n".utf8) + argument + [0x0d, 0x0a])
        }
        var many: [UInt8] = []
        RedisConnection.encode(Array(repeating: [], count: 12), into: &many)
        #expect(many == Array(("*12\r\n" + String(repeating: "$0\r\n\r\n", count: 12)).utf8))
    }

    static let stream = Array("+OK\r\n$5\r\nhello\r\n$-1\r\n:-42\r\n-ERR wrong\r\n*3\r\n$1\r\na\r\n*0\r\n*2\r\n:1\r\n$0\r\n\r\n*-1\r\n".utf8)
    static let expected: [RedisReply] = [
        .status("OK"), .string(Array("hello".utf8)), .null, .integer(-42), .error("ERR wrong"),
        .array([.string([0x61]), .array([]), .array([.integer(1), .string([])])]), .null,
    ]

    @Test(arguments: [1, 2, 7, 64])
    func readsWhateverTheChunking(chunk: Int) throws {
        var reader = RedisReplyReader(limit: 1 << 20)
        var offset = 0
        while offset < Self.stream.count {
            try reader.feed(Self.stream[offset..<min(offset + chunk, Self.stream.count)])
            offset += chunk
        }
        #expect(reader.replies == Self.expected)
    }

    @Test(arguments: ["$999999999999\r\n", "*299999999\r\n", "*400\r\n"])
    func refusesAnnouncementsBeyondTheLimit(header: String) {
        var reader = RedisReplyReader(limit: 1000)
        #expect(throws: RedisReplyReader.Malformed.self) { try reader.feed(Array(header.utf8)) }
    }

    /// A subscription never ends: its limit holds per message, even when
    /// every read stops in the middle of one.
    @Test func aSubscriptionsLimitHoldsPerMessage() throws {
        let channel = "__keyspace@0__::1:" + String(repeating: "0123456789", count: 4)
        let message = Array("*3\r\n$7\r\nmessage\r\n$\(channel.utf8.count)\r\n\(channel)\r\n$3\r\nset\r\n".utf8)
        var reader = RedisReplyReader(limit: 200, perReply: true)
        let stream = Array(repeating: message, count: 2_000).flatMap { $0 }
        var received = 0
        for start in stride(from: 0, to: stream.count, by: 97) {
            try reader.feed(stream[start..<min(start + 97, stream.count)])
            received += reader.takeReplies().count
        }
        #expect(received == 2_000)
        var bounded = RedisReplyReader(limit: 200, perReply: true)
        #expect(throws: RedisReplyReader.Malformed.self) {
            try bounded.feed(Array("$300\r\n".utf8) + Array(repeating: 0x61, count: 150))
        }
    }

    @Test func refusesMoreBytesThanTheLimitAndDeepNesting() {
        var small = RedisReplyReader(limit: 10)
        #expect(throws: RedisReplyReader.Malformed.self) { try small.feed(Array("+0123456789\r\n".utf8)) }
        var deep = RedisReplyReader(limit: 1 << 20)
        #expect(throws: RedisReplyReader.Malformed.self) { try deep.feed(Array(String(repeating: "*1\r\n", count: 17).utf8)) }
        var garbage = RedisReplyReader(limit: 1 << 20)
        #expect(throws: RedisReplyReader.Malformed.self) { try garbage.feed(Array("?what\r\n".utf8)) }
    }
}
