/// Recognises django-cachalot's query entries, `(timestamp, result)`, from
/// the pickle's outline alone, without building the result: CPython's
/// pickler (protocol 2 and later) writes a 2-tuple as its two items, then
/// TUPLE2, then a memo opcode, then STOP; cachalot's own writer (the
/// entries `query` stores) leaves the memo out. `stats` runs this on every
/// entry.
public enum QueryEntryProbe {
    public enum Verdict: Equatable {
        /// A `(float, …)` pair: the timestamp.
        case queryEntry(Double)
        case notQueryEntry
        /// Not written by a protocol ≥ 2 pickler: decode it fully to know.
        case unknown
    }

    public static func probe(_ bytes: [UInt8]) -> Verdict {
        probe(PickleOutline(bytes))
    }

    public static func probe(_ outline: PickleOutline) -> Verdict {
        let head = outline.head
        guard outline.count >= 12, head.count >= 12, head[0] == PickleOpcode.proto.rawValue, head[1] >= 2 else { return .unknown }
        var start = 2
        if head[start] == PickleOpcode.frame.rawValue { start += 9 }
        guard start + 9 < head.count, start + 9 < outline.count, head[start] == PickleOpcode.binFloat.rawValue,
              outline.tail.last == PickleOpcode.stop.rawValue, endsWithTuple2(outline.tail) else { return .notQueryEntry }
        let timestamp = head[(start + 1)...(start + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return .queryEntry(Double(bitPattern: timestamp))
    }

    /// TUPLE2 followed by MEMOIZE, BINPUT n, LONG_BINPUT nnnn or nothing, then STOP.
    private static func endsWithTuple2(_ bytes: [UInt8]) -> Bool {
        let count = bytes.count
        let tuple2 = PickleOpcode.tuple2.rawValue
        if count >= 2, bytes[count - 2] == tuple2 { return true }
        if count >= 3, bytes[count - 2] == PickleOpcode.memoize.rawValue, bytes[count - 3] == tuple2 { return true }
        if count >= 4, bytes[count - 3] == PickleOpcode.binPut.rawValue, bytes[count - 4] == tuple2 { return true }
        if count >= 7, bytes[count - 6] == PickleOpcode.longBinPut.rawValue, bytes[count - 7] == tuple2 { return true }
        return false
    }
}

/// The start and the end of a pickle and its length: all that `stats`
/// needs to classify an entry, read without holding a large value whole.
public struct PickleOutline: Equatable, Sendable {
    public static let headCount = 64
    public static let tailCount = 16

    public var head: [UInt8]
    public var tail: [UInt8]
    public var count: Int

    public init(head: [UInt8], tail: [UInt8], count: Int) {
        self.head = head
        self.tail = tail
        self.count = count
    }

    public init(_ bytes: [UInt8]) {
        self.init(head: Array(bytes.prefix(Self.headCount)), tail: Array(bytes.suffix(Self.tailCount)), count: bytes.count)
    }
}
