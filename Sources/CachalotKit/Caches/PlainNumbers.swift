/// Integers that Redis and memcached clients store as decimal text instead
/// of pickling them, read the way Python's `int(bytes)` reads them.
enum PlainInteger {
    /// The integer in `bytes` (ASCII whitespace around it allowed), or nil.
    static func parse<C: Collection>(_ bytes: C) -> Int? where C.Element == UInt8 {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || (0x09...0x0d).contains($0) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return nil }
        let trimmed = bytes[first...].reversed().drop(while: isSpace).reversed()
        return Int(String(decoding: trimmed, as: UTF8.self))
    }
}

/// A number stored as text, read as django-valkey reads it (util.decode):
/// `int(v)` when every byte is a digit (`isdigit()`), else `float(v)` when
/// that parses, so "-7" reads as -7.0 as there; nil for anything else.
enum PlainNumber {
    static func parse(_ bytes: [UInt8]) -> PickleValue? {
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        if bytes.allSatisfy({ (0x30...0x39).contains($0) }) { return Int(String(decoding: bytes, as: UTF8.self)).map(PickleValue.int) }
        // float() strips whitespace and takes no hexadecimal, which Swift's Double(_:) would.
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || (0x09...0x0d).contains($0) }
        let text = bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        guard text.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "x") && $0 != UInt8(ascii: "X") }),
              let number = Double(String(decoding: text, as: UTF8.self)) else { return nil }
        return .float(number)
    }
}
