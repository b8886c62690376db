import Testing
@testable import CachalotKit

/// django-redis's serializers, compressors and herd wrapper, against
/// vectors taken from django-redis 7.0 (pickle 4, json, msgpack 1.2, lz4
/// 4.4, pyzstd 0.20, Python's lzma); the interop runs check the same
/// against the live library.
struct RedisCodecTests {
    static let stamp = 1795775931.053213
    static let entry = PickleValue.tuple([.float(1.5), .list([.list([.int(1), .string("a")])])])

    static func bytes(_ hex: String) -> [UInt8] { Base16.decode(Array(hex.utf8))! }

    @Test func serializersWriteWhatDjangoRedisWrites() throws {
        #expect(try DjangoJSON.dumps(.float(Self.stamp)) == Array("1795775931.053213".utf8))
        #expect(try DjangoJSON.dumps(Self.entry) == Array(#"[1.5, [[1, "a"]]]"#.utf8))
        #expect(try DjangoJSON.dumps(.string("h\u{e9}llo \u{1F600}")) == Array(#""h\u00e9llo \ud83d\ude00""#.utf8))
        #expect(try MessagePack.dumps(.float(Self.stamp)) == Self.bytes("cb41dac2576ec367d7"))
        #expect(try MessagePack.dumps(Self.entry) == Self.bytes("92cb3ff8000000000000919201a161"))
        #expect(try MessagePack.loads(Self.bytes("92cb3ff8000000000000919201a161")) == .list([.float(1.5), .list([.list([.int(1), .string("a")])])]))
        #expect(try DjangoJSON.loads(Array(#"[1.5, [[1, "a"]]]"#.utf8)) == .list([.float(1.5), .list([.list([.int(1), .string("a")])])]))
        #expect(throws: (any Error).self) { _ = try MessagePack.loads(Self.bytes("dd7fffffff")) }
    }

    @Test func compressorsReadDjangoRedisFramesAndHonourThresholds() throws {
        let pickled = try PickleWriter.dumps(.float(Self.stamp), protocol: 4)
        let frames: [(RedisValueCodec.Compression, String)] = [
            (.zlib, "789c6b6099cac50001ee8eb70e85e71d4ebfae07003222063c"),
            (.lz4, "04224d18684015000000000000003613000000528004950a000100a04741dac2576ec367d72e00000000"),
            (.zstd, "28b52ffd2015a900008004950a000000000000004741dac2576ec367d72e"),
        ]
        for (compression, hex) in frames {
            let codec = RedisValueCodec(serializer: .pickle(protocol: 4), compression: compression)
            #expect(try codec.decode(Self.bytes(hex)) == .float(Self.stamp), "\(compression)")
            // 21 bytes > 15: compressed, and it reads back.
            let written = try codec.encode(.float(Self.stamp))
            #expect(written != pickled)
            #expect(try codec.decode(written) == .float(Self.stamp))
        }
        // lzma only past 100 bytes; its .xz container reads back either way.
        let lzma = RedisValueCodec(serializer: .pickle(protocol: 4), compression: .lzma)
        #expect(try lzma.encode(.float(Self.stamp)) == pickled)
        let long = PickleValue.string(String(repeating: "0123456789", count: 20))
        let written = try lzma.encode(long)
        #expect(Array(written.prefix(6)) == [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])
        #expect(try lzma.decode(written) == long)
        // A stored value that does not decompress is read as it is.
        #expect(try RedisValueCodec(serializer: .pickle(protocol: 4), compression: .zstd).decode(pickled) == .float(Self.stamp))
    }

    @Test func herdWrapsOnlyWithATimeout() throws {
        let codec = RedisValueCodec(serializer: .pickle(protocol: 4), herd: true)
        #expect(try codec.encode(.float(Self.stamp), timeout: nil, now: 1795775931.9) == (try PickleWriter.dumps(.float(Self.stamp), protocol: 4)))
        let wrapped = try codec.encode(.float(Self.stamp), timeout: 300, now: 1795775931.9)
        #expect(wrapped == Self.bytes("8004953a000000000000008c18646a616e676f5f72656469732e636c69656e742e68657264948c064d61726b6572949394" +
                                      "2981944741dac2576ec367d74ae75e096b87942e"))
        #expect(try codec.decode(wrapped) == .float(Self.stamp))
        // CACHALOT_TIMEOUT = 300.0: `300.0 + int(time.time())` is a float.
        let floatTimeout = RedisValueCodec(serializer: .pickle(protocol: 4), herd: true, floatTimeout: true)
        #expect(try floatTimeout.encode(.float(Self.stamp), timeout: 300, now: 1795775931.9)
                == Self.bytes("8004953e000000000000008c18646a616e676f5f72656469732e636c69656e742e68657264948c064d61726b6572949394"
                              + "2981944741dac2576ec367d74741dac257b9c0000087942e"))
    }

    @Test func hostileCompressedValuesFailWithinLimits() {
        let bomb = ZlibCompressor(gzip: false).compressSafely([UInt8](repeating: 0, count: 2 << 20))
        #expect(throws: (any Error).self) { _ = try ZlibCompressor(gzip: false).decompress(bomb, limit: 1 << 20) }
        for compressor in [LzmaCompressor() as ValueCompressor, Lz4Compressor(), ZstdCompressor()] {
            let big = (try? compressor.compress([UInt8](repeating: 0, count: 2 << 20))) ?? []
            #expect(throws: (any Error).self) { _ = try compressor.decompress(big, limit: 1 << 20) }
            #expect(throws: (any Error).self) { _ = try compressor.decompress(Array(big.prefix(big.count / 2)), limit: 4 << 20) }
            #expect(throws: (any Error).self) { _ = try compressor.decompress([0x80, 0x04, 0x95, 1, 2, 3], limit: 1 << 20) }
        }
    }
}

extension ZlibCompressor {
    func compressSafely(_ input: [UInt8]) -> [UInt8] { (try? compress(input)) ?? [] }
}

/// django-redis's ShardClient ring, against django-redis 7.0's own
/// `get_server_name` for the same LOCATION.
struct RedisHashRingTests {
    static let ring = RedisHashRing(nodes: ["redis://127.0.0.1:6379/0", "redis://127.0.0.1:6380/0", "redis://127.0.0.1:6381/0"])

    @Test func tableKeysGoWhereDjangoRedisPutsThem() {
        let expected = ["auth_user": 2, "auth_group": 0, "auth_permission": 1, "django_session": 1, "django_content_type": 2,
                        "django_admin_log": 1, "django_migrations": 0, "auth_user_groups": 0, "blog_post": 0, "shop_order": 0]
        for (table, server) in expected {
            #expect(Self.ring.server(for: ":1:" + Hashing.sha1Hex("default:" + table)) == server, "\(table)")
        }
    }

    @Test func hashTagsAreTheGreedyRegexsGroup() {
        #expect(Self.ring.server(for: ":1:foo") == 1)
        #expect(Self.ring.server(for: ":1:{user1}.a") == 2)
        #expect(Self.ring.server(for: ":1:a{user1}b") == 2)
        #expect(Self.ring.server(for: ":1:x{a}y{b}z") == 1)
        #expect(Self.ring.server(for: ":1:{}") == 2)
        #expect(RedisHashRing.hashTag("a{b}c}") == "b}c")
        #expect(RedisHashRing.hashTag("a\n{b}") == nil)
    }
}
