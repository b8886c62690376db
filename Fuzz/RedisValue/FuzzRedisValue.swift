import FuzzSupport
@testable import CachalotKit

/// A stored Redis value through every django-redis codec cachalot reads
/// (the first byte picks serializer, compressor and herd): a value or a
/// failure, never a trap, a hang or unbounded growth.
enum FuzzRedisValue {
    static let serializers: [RedisValueCodec.Serializer] = [.pickle(protocol: 4), .json, .msgpack]
    static let compressions: [RedisValueCodec.Compression] = [.none, .zlib, .gzip, .lzma, .lz4, .zstd]

    static func test(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let codec = RedisValueCodec(serializer: serializers[Int(selector % 3)],
                                    compression: compressions[Int(selector / 3) % 6], herd: selector >= 128)
        let value = Array(bytes.dropFirst())
        if let decoded = try? codec.decode(value) { _ = try? codec.encode(decoded, timeout: 300, now: 1) }
        _ = try? codec.outline(value)
    }
}

@main enum Main { static func main() { FuzzHarness.run(FuzzRedisValue.test) } }
