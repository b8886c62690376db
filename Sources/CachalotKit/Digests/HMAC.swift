/// HMAC (RFC 2104) and PBKDF2 (RFC 8018) over the 64-byte-block digests,
/// for SASL's SCRAM (RFC 5802); checked against RFC 4231 and RFC 6070
/// vectors in DigestTests.
enum HMAC<Digest: BlockDigest> {
    static func mac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var key = key.count > 64 ? Digest.hash(key) : key
        key += [UInt8](repeating: 0, count: 64 - key.count)
        var inner = Digest()
        inner.update(key.map { $0 ^ 0x36 } + message)
        var outer = Digest()
        outer.update(key.map { $0 ^ 0x5c } + inner.finalize())
        return outer.finalize()
    }

    /// PBKDF2 with this HMAC, one block: as long as the digest.
    static func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        var block = mac(key: password, salt + [0, 0, 0, 1])
        var result = block
        for _ in 1..<max(iterations, 1) {
            block = mac(key: password, block)
            for index in result.indices { result[index] ^= block[index] }
        }
        return result
    }
}
