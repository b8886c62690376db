import FuzzSupport
@testable import CachalotKit

/// A memcached server's bytes through cachalot's reply readers (text:
/// items, status lines, stats, metadump lines; binary: items, stats) and the value codecs: a reply or
/// a failure, never a trap, a hang or unbounded growth.
enum FuzzMemcachedReply {
    static func test(_ bytes: [UInt8]) {
        guard let mode = bytes.first else { return }
        let connection = MemcachedConnection(stream: ReplayStream(bytes.dropFirst()), timeout: 1)
        _ = try? connection.send([])
        switch mode % 6 {
        case 0:
            let codecs = [MemcachedValueCodec(client: .pymemcache, integerFlags: 2, pickleProtocol: 5),
                          MemcachedValueCodec(client: .pylibmc, integerFlags: 4, pickleProtocol: 5)]
            for item in (try? connection.readItems(limit: 1 << 16)) ?? [] {
                for codec in codecs { _ = try? codec.decode(flags: item.flags, data: item.data) }
            }
        case 1: _ = try? connection.readReplyLine()
        case 2: _ = (try? connection.readStats()).map(MemcachedCacheStore.largestChunkInUse)
        case 3: try? connection.readLines { _ = MemcachedCacheStore.DumpedItem($0) }
        // The binary protocol (memcached with SASL): quiet gets up to the NOOP, stats.
        case 4: _ = try? connection.readBinaryItems(limit: 1 << 16)
        default: _ = try? connection.readBinaryStats()
        }
    }
}

@main enum Main { static func main() { FuzzHarness.run(FuzzMemcachedReply.test) } }
