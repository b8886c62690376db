import FuzzSupport
@testable import CachalotKit

/// A server's bytes through cachalot's RESP reader and reply path,
/// with a small reply cap: replies, or a failure, never a hang or growth.
enum FuzzRedisReply {
    /// Serves the fuzzer's bytes, then end of stream.
    final class Replay: ByteStream {
        var bytes: [UInt8]
        /// No socket: nothing waits on it.
        var descriptor: Int32 { -1 }
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        func send(_ bytes: [UInt8], until deadline: Deadline) throws {}
        func receive(into buffer: UnsafeMutableRawBufferPointer, until deadline: Deadline) throws -> Int {
            let count = min(buffer.count, bytes.count, 7)
            buffer.copyBytes(from: bytes.prefix(count))
            bytes.removeFirst(count)
            return count
        }
    }

    static func test(_ bytes: [UInt8]) {
        let connection = RedisConnection(stream: Replay(bytes), timeouts: RedisTimeouts(connect: 1, operation: nil, exchange: 1))
        _ = try? connection.pipeline([[Array("GET".utf8), Array("k".utf8)], [Array("MGET".utf8)]], replyLimit: 4096)
    }
}

@main enum Main { static func main() { FuzzHarness.run(FuzzRedisReply.test) } }
