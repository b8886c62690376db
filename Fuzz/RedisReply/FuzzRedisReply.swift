import FuzzSupport
@testable import CachalotKit

/// A server's bytes through cachalot's RESP reader and reply path,
/// with a small reply cap: replies, or a failure, never a hang or growth.
enum FuzzRedisReply {
    static func test(_ bytes: [UInt8]) {
        let connection = RedisConnection(stream: ReplayStream(bytes), timeouts: RedisTimeouts(connect: 1, operation: nil, exchange: 1))
        _ = try? connection.pipeline([[Array("GET".utf8), Array("k".utf8)], [Array("MGET".utf8)]], replyLimit: 4096)
    }
}

@main enum Main { static func main() { FuzzHarness.run(FuzzRedisReply.test) } }
