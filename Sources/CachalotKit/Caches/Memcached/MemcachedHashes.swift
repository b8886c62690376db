import CZlib

/// The key hashes the Python memcached clients use to pick a server, with
/// their quirks kept: pymemcache's murmur3 reads a Python str (each code
/// point's low byte, length in characters), libmemcached's one-at-a-time
/// sign-extends bytes of 0x80 and above (it reads a `const char *`).
enum MemcachedHashes {
    /// pymemcache/client/murmur3.py: MurmurHash3 x86_32, seed 0, over
    /// `ord(ch) & 0xFF` of each character.
    static func murmur3(pythonString text: String, seed: UInt32 = 0) -> UInt32 {
        murmur3(bytes: text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }, seed: seed)
    }

    static func murmur3(bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        let c1: UInt32 = 0xcc9e_2d51, c2: UInt32 = 0x1b87_3593
        var hash = seed
        let blocks = bytes.count / 4
        for block in 0..<blocks {
            let i = block * 4
            var k = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            k = (k &* c1).rotatedLeft(15) &* c2
            hash ^= k
            hash = hash.rotatedLeft(13) &* 5 &+ 0xe654_6b64
        }
        var k: UInt32 = 0
        let tail = blocks * 4
        switch bytes.count & 3 {
        case 3:
            k ^= UInt32(bytes[tail + 2]) << 16
            fallthrough
        case 2:
            k ^= UInt32(bytes[tail + 1]) << 8
            fallthrough
        case 1:
            k ^= UInt32(bytes[tail])
            hash ^= (k &* c1).rotatedLeft(15) &* c2
        default:
            break
        }
        hash ^= UInt32(truncatingIfNeeded: bytes.count)
        hash ^= hash >> 16
        hash = hash &* 0x85eb_ca6b
        hash ^= hash >> 13
        hash = hash &* 0xc2b2_ae35
        hash ^= hash >> 16
        return hash
    }

    /// libhashkit's hash functions, as pylibmc's `hash` behavior names them.
    enum Function: String, CaseIterable {
        case `default`, md5, crc, fnv1_64, fnv1a_64, fnv1_32, fnv1a_32, murmur

        func hash(_ bytes: [UInt8]) -> UInt32 {
            switch self {
            case .default: return MemcachedHashes.oneAtATime(bytes)
            case .md5: return MemcachedHashes.md5(bytes)
            case .crc: return MemcachedHashes.crc(bytes)
            case .fnv1_64, .fnv1a_64: return MemcachedHashes.fnv64(bytes, xorFirst: self == .fnv1a_64)
            case .fnv1_32, .fnv1a_32: return MemcachedHashes.fnv32(bytes, xorFirst: self == .fnv1a_32)
            case .murmur: return MemcachedHashes.libhashkitMurmur(bytes)
            }
        }
    }

    /// libhashkit one_at_a_time.cc, over signed chars.
    static func oneAtATime(_ bytes: [UInt8]) -> UInt32 {
        var value: UInt32 = 0
        for byte in bytes {
            value = value &+ UInt32(bitPattern: Int32(Int8(bitPattern: byte)))
            value = value &+ (value << 10)
            value ^= value >> 6
        }
        value = value &+ (value << 3)
        value ^= value >> 11
        value = value &+ (value << 15)
        return value
    }

    /// The first four bytes of the MD5 digest, little-endian.
    static func md5(_ bytes: [UInt8]) -> UInt32 {
        let digest = MD5.hash(bytes)
        return UInt32(digest[3]) << 24 | UInt32(digest[2]) << 16 | UInt32(digest[1]) << 8 | UInt32(digest[0])
    }

    /// libhashkit crc32.cc: the high half of zlib's crc32, 15 bits.
    static func crc(_ bytes: [UInt8]) -> UInt32 {
        let checksum = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
        return (checksum >> 16) & 0x7fff
    }

    static func fnv64(_ bytes: [UInt8], xorFirst: Bool) -> UInt32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            if xorFirst { hash ^= UInt64(byte); hash = hash &* 0x100_0000_01b3 } else { hash = hash &* 0x100_0000_01b3; hash ^= UInt64(byte) }
        }
        return UInt32(truncatingIfNeeded: hash)
    }

    static func fnv32(_ bytes: [UInt8], xorFirst: Bool) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in bytes {
            if xorFirst { hash ^= UInt32(byte); hash = hash &* 16_777_619 } else { hash = hash &* 16_777_619; hash ^= UInt32(byte) }
        }
        return hash
    }

    /// libhashkit murmur.cc (MurmurHash2, seeded with 0xdeadbeef * length, xor length).
    static func libhashkitMurmur(_ bytes: [UInt8]) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        let length = UInt32(truncatingIfNeeded: bytes.count)
        var hash = (0xdead_beef &* length) ^ length
        var index = 0
        while bytes.count - index >= 4 {
            var k = UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24
            k = k &* m
            k ^= k >> 24
            k = k &* m
            hash = hash &* m
            hash ^= k
            index += 4
        }
        switch bytes.count - index {
        case 3:
            hash ^= UInt32(bytes[index + 2]) << 16
            fallthrough
        case 2:
            hash ^= UInt32(bytes[index + 1]) << 8
            fallthrough
        case 1:
            hash ^= UInt32(bytes[index])
            hash = hash &* m
        default:
            break
        }
        hash ^= hash >> 13
        hash = hash &* m
        hash ^= hash >> 15
        return hash
    }
}
