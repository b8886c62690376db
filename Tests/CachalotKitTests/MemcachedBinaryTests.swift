import FuzzSupport
import Testing
@testable import CachalotKit

/// memcached's binary protocol as protocol_binary.h lays it out, which a
/// server started with SASL (-S) speaks only; the pylibmc-sasl interop run
/// checks the same against a real server and pylibmc.
struct MemcachedBinaryTests {
    @Test func aStorageRequestCarriesFlagsExpiryAndCAS() {
        let frame = MemcachedConnection.binaryStorage(.set, key: "k", value: (flags: 1, data: [0x41, 0x42]), exptime: 300, cas: 7)
        #expect(frame == [0x80, 0x01, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00,
                          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
                          0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x6b, 0x41, 0x42])
    }

    @Test func quietGetsEndAtTheNoopAndMalformedRepliesFail() throws {
        // A GETKQ hit for "k" (flags 4, value "7", CAS 9), then the NOOP.
        let hit: [UInt8] = [0x81, 0x0d, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00,
                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x04, 0x6b, 0x37]
        let noop: [UInt8] = [0x81, 0x0a] + [UInt8](repeating: 0, count: 22)
        let items = try MemcachedConnection(stream: ReplayStream(hit + noop), timeout: 1).readBinaryItems(limit: 1024)
        #expect(items.count == 1 && items[0].key == "k" && items[0].flags == 4 && items[0].data == [0x37] && items[0].cas == 9)
        // A text reply where a binary one belongs, and a body past the limit.
        #expect(throws: MemcachedConnection.Failure.self) { _ = try MemcachedConnection(stream: ReplayStream(Array("ERROR\r\n".utf8) + noop), timeout: 1).readBinaryItems(limit: 1024) }
        var huge = hit
        huge[8...11] = [0x7f, 0xff, 0xff, 0xff]
        #expect(throws: MemcachedConnection.Failure.self) { _ = try MemcachedConnection(stream: ReplayStream(huge), timeout: 1).readBinaryItems(limit: 1024) }
    }
}
