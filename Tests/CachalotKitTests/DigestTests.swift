import CachalotTestSupport
import Testing
@testable import CachalotKit

/// cachalot's own MD5, SHA-1 and SHA-256 (Sources/CachalotKit/Digests):
/// the published test vectors, then Python's hashlib on inputs of every
/// length around the block and padding boundaries, fed in pieces.
struct DigestTests {
    static func hex(_ bytes: [UInt8]) -> String { TextFormatting.hex(bytes: bytes) }

    @Test func rfc1321Vectors() {
        let vectors = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (input, expected) in vectors { #expect(Hashing.md5Hex(input) == expected, "md5(\(input))") }
    }

    @Test func fips180Vectors() {
        let twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(Hashing.sha1Hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(Hashing.sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(Hashing.sha1Hex(twoBlocks) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(Self.hex(SHA1.hash(million)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        #expect(Hashing.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hashing.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hashing.sha256Hex(twoBlocks) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Self.hex(SHA256.hash(million)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Every length from 0 to 300 bytes (each padding case, one to five
    /// blocks) of pseudo-random bytes, hashed whole by Python and in random
    /// pieces here.
    @Test func agreesWithPythonsHashlibOnEveryLengthAndSplit() throws {
        var seed: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            seed ^= seed << 13
            seed ^= seed >> 7
            seed ^= seed << 17
            return seed
        }
        let inputs = (0...300).map { length in (0..<length).map { _ in UInt8(truncatingIfNeeded: next()) } }
        let folder = try TemporaryDirectory("cachalot-digests")
        try folder.write("inputs", inputs.map(Self.hex).joined(separator: "\n") + "\n")
        try folder.write("digests.py", """
            import hashlib, sys
            for line in open(sys.argv[1]).read().split("\\n")[:-1]:
                data = bytes.fromhex(line)
                print(hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest(), hashlib.sha256(data).hexdigest())
            """)
        let python = try #require(ChildProcess.locate("python3"), "python3 is needed to compare with hashlib")
        #expect(try ChildProcess.run([python, folder.file("digests.py"), folder.file("inputs")], output: folder.file("expected")) == 0)
        let expected = String(decoding: try #require(try FileSystem.read(folder.file("expected"))), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        try #require(expected.count == inputs.count)
        for (input, line) in zip(inputs, expected) {
            var md5 = MD5(), sha1 = SHA1(), sha256 = SHA256()
            var start = 0
            while start < input.count {
                let end = min(input.count, start + Int(next() % 80))
                let piece = Array(input[start..<end])
                md5.update(piece)
                sha1.update(piece)
                sha256.update(piece)
                start = end
            }
            let ours = [md5.finalize(), sha1.finalize(), sha256.finalize()].map(Self.hex).joined(separator: " ")
            #expect(ours == line, "\(input.count) bytes")
        }
    }

    @Test func hmacAndPBKDF2MatchTheirRFCs() {
        // RFC 4231 test case 2; RFC 2202 test case 2 (SHA-1).
        #expect(Self.hex(HMAC<SHA256>.mac(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(Self.hex(HMAC<SHA1>.mac(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8)))
                == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        // RFC 6070.
        let password = Array("password".utf8), salt = Array("salt".utf8)
        #expect(Self.hex(HMAC<SHA1>.pbkdf2(password: password, salt: salt, iterations: 1)) == "0c60c80f961f0e71f3a9b524af6012062fe037a6")
        #expect(Self.hex(HMAC<SHA1>.pbkdf2(password: password, salt: salt, iterations: 2)) == "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957")
        #expect(Self.hex(HMAC<SHA1>.pbkdf2(password: password, salt: salt, iterations: 4096)) == "4b007901b765489abead49d926f721d065a429c1")
    }

    /// RFC 5802 section 5's exchange, byte for byte.
    @Test func scramSHA1FollowsRFC5802sExample() throws {
        var scram = try SCRAMClient<SHA1>(username: "user", password: "pencil", nonce: "fyko+d2lbbFgONRv9qkxdawL")
        #expect(scram.clientFirst == "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL")
        let final = try scram.clientFinal(serverFirst: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
        #expect(final == "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")
        try scram.verify(serverFinal: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")
        #expect(throws: SCRAMClient<SHA1>.Failure.self) { try scram.verify(serverFinal: "v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=") }
        // A challenge whose nonce is not ours is refused.
        #expect(throws: SCRAMClient<SHA1>.Failure.self) { _ = try scram.clientFinal(serverFirst: "r=other,s=QSXCR+Q6sek8bf92,i=4096") }
        #expect(Base64.decode("QSXCR+Q6sek8bf92").map(Self.hex) == "4125c247e43ab1e93c6dff76")
    }
}
