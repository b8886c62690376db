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
