import FuzzSupport
@testable import CachalotKit

/// A stored Redis value through every django-redis codec cachalot reads
/// (the first byte picks serializer, compressor and herd): a value or a
/// failure, never a trap, a hang or unbounded growth. What decodes must
/// come back as itself: the bytes written for a decoded value decode to
/// the value that writes those same bytes again.
enum FuzzRedisValue {
    static let serializers: [RedisValueCodec.Serializer] = [.pickle(protocol: 4), .json, .msgpack]
    static let compressions: [RedisValueCodec.Compression] = [.none, .zlib, .gzip, .lzma, .lz4, .zstd]

    static func test(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let codec = RedisValueCodec(serializer: serializers[Int(selector % 3)],
                                    compression: compressions[Int(selector / 3) % 6], herd: selector >= 128)
        let value = Array(bytes.dropFirst())
        if let decoded = try? codec.decode(value), let encoded = try? codec.encode(decoded, timeout: 300, now: 1) {
            guard let again = try? codec.decode(encoded) else { fatalError("cachalot cannot read what it wrote") }
            guard (try? codec.encode(again, timeout: 300, now: 1)) == encoded else { fatalError("a value did not come back as itself") }
        }
        _ = try? codec.outline(value)
    }
}

@main enum Main { static func main() { FuzzHarness.run(FuzzRedisValue.test) } }
