/// The Python codec mysqlclient uses between str and the bytes of a
/// connection (MySQLdb/connections.py `_charset_to_encoding`, _mysql.c
/// `_get_encoding`): statements and str parameters are encoded with it
/// (strict: a character it cannot hold fails), text values decoded with it
/// (strict: bytes it cannot read fail the query). cachalot reproduces the
/// codecs of utf8, utf8mb3, utf8mb4 (utf-8), latin1 (cp1252) and ascii;
/// under any other charset `query` is refused.
enum MySQLTextCodec: Equatable {
    case utf8, cp1252, ascii

    static let supportedCharsets = ["utf8mb4", "utf8mb3", "utf8", "latin1", "ascii"]

    init?(charset: String) {
        switch charset {
        case "utf8mb4", "utf8mb3", "utf8": self = .utf8
        case "latin1": self = .cp1252
        case "ascii": self = .ascii
        default: return nil
        }
    }

    /// `text.encode(codec)`; nil when a character has no byte in it.
    func encode(_ text: String) -> [UInt8]? {
        switch self {
        case .utf8: return Array(text.utf8)
        case .ascii: return text.unicodeScalars.allSatisfy(\.isASCII) ? Array(text.utf8) : nil
        case .cp1252:
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.utf8.count)
            for scalar in text.unicodeScalars {
                guard let byte = Self.cp1252Byte[scalar.value] else { return nil }
                bytes.append(byte)
            }
            return bytes
        }
    }

    /// `bytes.decode(codec)`; nil where Python raises UnicodeDecodeError.
    func decode(_ bytes: [UInt8]) -> String? {
        switch self {
        case .utf8: return String(validating: bytes, as: UTF8.self)
        case .ascii: return bytes.allSatisfy { $0 < 0x80 } ? String(decoding: bytes, as: UTF8.self) : nil
        case .cp1252:
            var scalars = String.UnicodeScalarView()
            for byte in bytes {
                guard let scalar = Self.cp1252Scalar(byte) else { return nil }
                scalars.append(scalar)
            }
            return String(scalars)
        }
    }

    /// Python's cp1252 for 0x80–0x9F (0 where the codec has no character:
    /// 0x81, 0x8D, 0x8F, 0x90, 0x9D); every other byte is its own code point.
    private static let cp1252High: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    private static func cp1252Scalar(_ byte: UInt8) -> Unicode.Scalar? {
        guard (0x80...0x9F).contains(byte) else { return Unicode.Scalar(byte) }
        let value = cp1252High[Int(byte) - 0x80]
        return value == 0 ? nil : Unicode.Scalar(value)
    }

    private static let cp1252Byte: [UInt32: UInt8] = {
        var table: [UInt32: UInt8] = [:]
        for byte in UInt8(0)...UInt8(255) {
            if let scalar = cp1252Scalar(byte) { table[scalar.value] = byte }
        }
        return table
    }()
}
