import Testing
@testable import CachalotKit

/// The memcached clients' hashes and server choice, against vectors taken
/// from pymemcache 4.0.0 and libmemcached 1.1.4 (pylibmc 1.6.3); the
/// interop tests check the same against the live clients.
struct MemcachedPlacementTests {
    @Test func pymemcacheMurmur3ReadsAPythonString() {
        #expect(MemcachedHashes.murmur3(pythonString: "") == 0)
        #expect(MemcachedHashes.murmur3(pythonString: "a") == 0x3c25_69b2)
        #expect(MemcachedHashes.murmur3(pythonString: "abc") == 0xb3dd_93fa)
        #expect(MemcachedHashes.murmur3(pythonString: "abcd") == 0x43ed_676a)
        #expect(MemcachedHashes.murmur3(pythonString: "hello world") == 0x5e92_8f0f)
        #expect(MemcachedHashes.murmur3(pythonString: "127.0.0.1:11211-:1:foo") == 0xd534_d121)
        // A code point's low byte, not its UTF-8.
        #expect(MemcachedHashes.murmur3(pythonString: "é") == 0x44c6_d4b2)
        #expect(MemcachedHashes.murmur3(pythonString: ":1:café") == 0x3261_3229)
    }

    @Test func libhashkitHashes() {
        #expect(MemcachedHashes.oneAtATime([]) == 0)
        #expect(MemcachedHashes.oneAtATime(Array("a".utf8)) == 0xca2e_9442)
        #expect(MemcachedHashes.oneAtATime(Array("hello".utf8)) == 0xc8fd_181b)
        #expect(MemcachedHashes.oneAtATime(Array(":1:foo".utf8)) == 0xdf0c_9d75)
        // Bytes of 0x80 and above are sign-extended.
        #expect(MemcachedHashes.oneAtATime(Array("é".utf8)) == 0x0191_48ae)
        #expect(MemcachedHashes.md5(Array("a".utf8)) == 0xb975_c10c)
        #expect(MemcachedHashes.md5(Array("127.0.0.1-0".utf8)) == 0xbdff_a47f)
        #expect(MemcachedHashes.crc(Array("a".utf8)) == 0x68b7)
        #expect(MemcachedHashes.crc(Array("hello".utf8)) == 0x3610)
    }

    static let made = ["auth_user", "auth_group", "django_session", "views.decorators.cache", "template.fragment",
                       "user:42", "ratelimit:1.2.3.4", "settings", "menu", "feed"]
        .map { ":1:" + Hashing.sha1Hex("default:" + $0) }

    @Test func rendezvousPicksLikePymemcache() {
        let nodes = ["127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"]
        let placement = MemcachedPlacement.rendezvous(nodes: nodes)
        let chosen = Self.made.map { placement.server(for: $0, among: [0, 1, 2]).map { 11211 + $0 } }
        #expect(chosen == [11211, 11213, 11212, 11213, 11212, 11212, 11212, 11211, 11212, 11213])
        // Without the first server, its keys go to the runner-up.
        #expect(placement.server(for: Self.made[0], among: [1, 2]) == 2)
    }

    @Test func libmemcachedDistributionsPickLikePylibmc() {
        let servers = (11211...11213).map { LibmemcachedDistribution.Server(host: "127.0.0.1", port: $0, weight: 1) }
        func chosen(_ kind: LibmemcachedDistribution.Kind, _ hash: MemcachedHashes.Function) -> [Int] {
            let distribution = LibmemcachedDistribution(kind: kind, hash: hash, servers: servers)
            return Self.made.map { 11211 + distribution.server(for: Array($0.utf8)) }
        }
        #expect(chosen(.modula, .default) == [11211, 11211, 11212, 11213, 11211, 11211, 11211, 11212, 11211, 11212])
        #expect(chosen(.consistent, .default) == [11212, 11212, 11213, 11212, 11213, 11212, 11212, 11213, 11212, 11212])
        #expect(chosen(.consistent, .md5) == [11211, 11213, 11211, 11213, 11212, 11212, 11212, 11211, 11212, 11211])
        #expect(chosen(.modula, .crc) == [11212, 11212, 11213, 11212, 11213, 11212, 11213, 11212, 11213, 11212])
    }

    @Test func djangosExpiryRules() {
        #expect(MemcachedOptions.exptime(nil, now: 1_800_000_000.7) == 0)
        #expect(MemcachedOptions.exptime(0, now: 1_800_000_000.7) == -1)
        #expect(MemcachedOptions.exptime(0.5, now: 1_800_000_000.7) == -1)
        #expect(MemcachedOptions.exptime(300, now: 1_800_000_000.7) == 300)
        #expect(MemcachedOptions.exptime(2_592_001, now: 1_800_000_000.7) == 1_802_592_001)
    }
}
