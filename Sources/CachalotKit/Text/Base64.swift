/// Standard base64 with padding (RFC 4648), for bytes in JSON output and SASL.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group = UInt32(bytes[index]) << 16
            if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { group |= UInt32(bytes[index + 2]) }
            for slot in 0..<4 {
                text.append(slot <= count ? alphabet[Int(group >> (18 - 6 * UInt32(slot)) & 0x3f)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of padded base64 text, or nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var bytes: [UInt8] = []
        for start in stride(from: 0, to: characters.count, by: 4) {
            var group: UInt32 = 0, padding = 0
            for (offset, character) in characters[start..<start + 4].enumerated() {
                if character == UInt8(ascii: "=") {
                    // Padding only at the end, at most two.
                    guard start + 4 == characters.count, offset >= 2 else { return nil }
                    padding += 1
                    group <<= 6
                } else {
                    guard padding == 0, let value = alphabet.firstIndex(of: character) else { return nil }
                    group = group << 6 | UInt32(value)
                }
            }
            bytes += [UInt8(group >> 16 & 0xff), UInt8(group >> 8 & 0xff), UInt8(group & 0xff)].prefix(3 - padding)
        }
        return bytes
    }
}
