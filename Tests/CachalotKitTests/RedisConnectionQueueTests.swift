import Testing
@testable import CachalotKit

/// A server reduced to its replies, served a few bytes at a time (so replies
/// of two requests meet inside one read); what is sent is kept.
private final class ScriptedStream: ByteStream {
    private var pending: [UInt8]
    private let chunk: Int
    private(set) var sent: [UInt8] = []
    var descriptor: Int32 { -1 }

    init(_ replies: String, chunk: Int) {
        pending = Array(replies.utf8)
        self.chunk = chunk
    }

    func send(_ bytes: [UInt8], until deadline: Deadline) throws { sent += bytes }

    func receive(into buffer: UnsafeMutableRawBufferPointer, until deadline: Deadline) throws -> Int {
        let count = min(buffer.count, pending.count, chunk)
        buffer.copyBytes(from: pending.prefix(count))
        pending.removeFirst(count)
        return count
    }
}

/// Requests queued on one connection, as the stats scan sends them: the
/// next request goes out after the first reply of the last, before the rest.
struct RedisConnectionQueueTests {
    private static let ping = [Array("PING".utf8)]
    private static let timeouts = RedisTimeouts(connect: 1, operation: nil, exchange: 1)

    @Test(arguments: [1, 3, 64, 4096])
    func repliesOfQueuedRequestsComeBackInOrder(chunk: Int) throws {
        // A SCAN-like first reply, two more for the first request, two for the second.
        let stream = ScriptedStream("*2\r\n$1\r\n0\r\n*0\r\n:1\r\n:2\r\n$3\r\nabc\r\n:3\r\n", chunk: chunk)
        let connection = RedisConnection(stream: stream, timeouts: Self.timeouts)
        try connection.send([Self.ping, Self.ping, Self.ping])
        #expect(try connection.receive(first: 1) == [.array([.string(Array("0".utf8)), .array([])])])
        try connection.send([Self.ping, Self.ping])
        #expect(try connection.receive(first: 0) == [])
        #expect(try connection.receive() == [.integer(1), .integer(2)])
        #expect(try connection.receive() == [.string(Array("abc".utf8)), .integer(3)])
        #expect(try connection.receive() == [], "nothing is owed any more")
        #expect(String(decoding: stream.sent, as: UTF8.self) == String(repeating: "*1\r\n$4\r\nPING\r\n", count: 5))
    }

    @Test func aConnectionThatFailedPartWayServesNothingMore() throws {
        // Two replies owed, one and a half sent, then the server closes.
        let connection = RedisConnection(stream: ScriptedStream(":1\r\n:2", chunk: 64), timeouts: Self.timeouts)
        try connection.send([Self.ping, Self.ping])
        #expect(throws: RedisConnection.Failure.self) { try connection.receive() }
        let again = #expect(throws: RedisConnection.Failure.self) { try connection.send([Self.ping]) }
        #expect(again?.description == "the connection failed earlier in this run")
        #expect(throws: RedisConnection.Failure.self) { try connection.receive() }
    }
}
