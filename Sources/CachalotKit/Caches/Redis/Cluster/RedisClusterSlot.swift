/// The hash slot Redis Cluster keeps a key in: CRC16 (XMODEM: polynomial
/// 0x1021, initial 0) of the key, modulo 16384. When the key holds a
/// `{…}` with at least one byte between the first `{` and the next `}`,
/// only those bytes are hashed (a hash tag), so keys sharing a tag share
/// a slot (cluster-spec, "Hash tags").
enum RedisClusterSlot {
    static let count = 16384

    static func of(_ key: String) -> Int { of(Array(key.utf8)) }

    static func of(_ key: [UInt8]) -> Int {
        Int(crc16(tagged(key)) % UInt16(count))
    }

    /// The bytes a key is hashed by: its hash tag, else all of it.
    static func tagged(_ key: [UInt8]) -> ArraySlice<UInt8> {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")),
              let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
              close > open + 1 else { return key[...] }
        return key[(open + 1)..<close]
    }

    private static let table: [UInt16] = (0..<256).map { byte in
        var crc = UInt16(byte) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }

    static func crc16(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes { crc = (crc << 8) ^ table[Int(UInt8(crc >> 8) ^ byte)] }
        return crc
    }
}
