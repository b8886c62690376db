/// django-redis's MSGPackSerializer: `msgpack.dumps(value)` (bin type for
/// bytes, a float as float 64) and `msgpack.loads(value, raw=False)`
/// (lists for arrays). Reading is bounded like the pickle reader: depth,
/// and counts no larger than the bytes left can hold.
enum MessagePack {
    struct Unsupported: Error, CustomStringConvertible {
        var description: String
    }

    static func dumps(_ value: PickleValue) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try write(value, into: &bytes, depth: 0)
        return bytes
    }

    private static func bigEndian<T: FixedWidthInteger>(_ value: T, _ bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes += $0 }
    }

    private static func write(_ value: PickleValue, into bytes: inout [UInt8], depth: Int) throws {
        guard depth < PickleReader.maximumDepth else { throw Unsupported(description: "a value nested too deep for msgpack") }
        switch value {
        case .none: bytes.append(0xc0)
        case .bool(let flag): bytes.append(flag ? 0xc3 : 0xc2)
        case .int(let number):
            switch number {
            case 0...0x7f: bytes.append(UInt8(number))
            case -32 ..< 0: bytes.append(UInt8(bitPattern: Int8(number)))
            case 0x80...0xff: bytes += [0xcc, UInt8(number)]
            case 0x100...0xffff: bytes.append(0xcd); bigEndian(UInt16(number), &bytes)
            case 0x10000...0xffff_ffff: bytes.append(0xce); bigEndian(UInt32(number), &bytes)
            case 0x1_0000_0000...: bytes.append(0xcf); bigEndian(UInt64(number), &bytes)
            case -0x80 ..< -32: bytes += [0xd0, UInt8(bitPattern: Int8(number))]
            case -0x8000 ..< -0x80: bytes.append(0xd1); bigEndian(Int16(number), &bytes)
            case -0x8000_0000 ..< -0x8000: bytes.append(0xd2); bigEndian(Int32(number), &bytes)
            default: bytes.append(0xd3); bigEndian(Int64(number), &bytes)
            }
        case .float(let number):
            bytes.append(0xcb)
            bigEndian(number.bitPattern, &bytes)
        case .string(let text):
            let utf8 = Array(text.utf8)
            switch utf8.count {
            case 0..<32: bytes.append(0xa0 | UInt8(utf8.count))
            case 32..<0x100: bytes += [0xd9, UInt8(utf8.count)]
            case 0x100..<0x10000: bytes.append(0xda); bigEndian(UInt16(utf8.count), &bytes)
            default: bytes.append(0xdb); bigEndian(UInt32(utf8.count), &bytes)
            }
            bytes += utf8
        case .bytes(let data):
            switch data.count {
            case 0..<0x100: bytes += [0xc4, UInt8(data.count)]
            case 0x100..<0x10000: bytes.append(0xc5); bigEndian(UInt16(data.count), &bytes)
            default: bytes.append(0xc6); bigEndian(UInt32(data.count), &bytes)
            }
            bytes += data
        case .tuple(let items), .list(let items):
            switch items.count {
            case 0..<16: bytes.append(0x90 | UInt8(items.count))
            case 16..<0x10000: bytes.append(0xdc); bigEndian(UInt16(items.count), &bytes)
            default: bytes.append(0xdd); bigEndian(UInt32(items.count), &bytes)
            }
            for item in items { try write(item, into: &bytes, depth: depth + 1) }
        case .dict(let entries):
            switch entries.count {
            case 0..<16: bytes.append(0x80 | UInt8(entries.count))
            case 16..<0x10000: bytes.append(0xde); bigEndian(UInt16(entries.count), &bytes)
            default: bytes.append(0xdf); bigEndian(UInt32(entries.count), &bytes)
            }
            for entry in entries {
                try write(entry.key, into: &bytes, depth: depth + 1)
                try write(entry.value, into: &bytes, depth: depth + 1)
            }
        default:
            throw Unsupported(description: "msgpack cannot hold \(PythonObjectRepr.excerpt(value, limit: 40))")
        }
    }

    static func loads(_ bytes: [UInt8]) throws -> PickleValue {
        var reader = Reader(bytes: bytes)
        let value = try reader.value(depth: 0)
        guard reader.position == bytes.count else { throw Unsupported(description: "msgpack data followed by extra bytes") }
        return value
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, bytes.count - position >= count else { throw Unsupported(description: "truncated msgpack data") }
            defer { position += count }
            return bytes[position..<position + count]
        }

        mutating func unsigned(_ count: Int) throws -> UInt64 {
            try take(count).reduce(0) { $0 << 8 | UInt64($1) }
        }

        /// A length no larger than the bytes left could hold (each item takes one at least).
        mutating func length(_ count: Int) throws -> Int {
            let value = try unsigned(count)
            guard value <= UInt64(bytes.count - position) else { throw Unsupported(description: "a msgpack length past the end of the data") }
            return Int(value)
        }

        mutating func value(depth: Int) throws -> PickleValue {
            guard depth < PickleReader.maximumDepth else { throw Unsupported(description: "msgpack nested too deep") }
            let byte = try take(1).first!
            switch byte {
            case 0x00...0x7f: return .int(Int(byte))
            case 0xe0...0xff: return .int(Int(Int8(bitPattern: byte)))
            case 0xa0...0xbf: return try string(Int(byte & 0x1f))
            case 0x90...0x9f: return try array(Int(byte & 0x0f), depth: depth)
            case 0x80...0x8f: return try map(Int(byte & 0x0f), depth: depth)
            case 0xc0: return .none
            case 0xc2: return .bool(false)
            case 0xc3: return .bool(true)
            case 0xc4: return .bytes(Array(try take(try length(1))))
            case 0xc5: return .bytes(Array(try take(try length(2))))
            case 0xc6: return .bytes(Array(try take(try length(4))))
            case 0xca: return .float(Double(Float(bitPattern: UInt32(try unsigned(4)))))
            case 0xcb: return .float(Double(bitPattern: try unsigned(8)))
            case 0xcc: return .int(Int(try unsigned(1)))
            case 0xcd: return .int(Int(try unsigned(2)))
            case 0xce: return .int(Int(try unsigned(4)))
            case 0xcf:
                let value = try unsigned(8)
                return value <= UInt64(Int.max) ? .int(Int(value)) : PythonValues.integer(decimal: String(value))!
            case 0xd0: return .int(Int(Int8(truncatingIfNeeded: try unsigned(1))))
            case 0xd1: return .int(Int(Int16(truncatingIfNeeded: try unsigned(2))))
            case 0xd2: return .int(Int(Int32(truncatingIfNeeded: try unsigned(4))))
            case 0xd3: return .int(Int(Int64(bitPattern: try unsigned(8))))
            case 0xd9: return try string(try length(1))
            case 0xda: return try string(try length(2))
            case 0xdb: return try string(try length(4))
            case 0xdc: return try array(try length(2), depth: depth)
            case 0xdd: return try array(try length(4), depth: depth)
            case 0xde: return try map(try length(2), depth: depth)
            case 0xdf: return try map(try length(4), depth: depth)
            default: throw Unsupported(description: "msgpack type 0x\(TextFormatting.hex(byte, width: 2)) (an extension) that django-redis does not write")
            }
        }

        mutating func string(_ count: Int) throws -> PickleValue {
            guard let text = String(validating: try take(count), as: UTF8.self) else { throw Unsupported(description: "msgpack text that is not UTF-8") }
            return .string(text)
        }

        mutating func array(_ count: Int, depth: Int) throws -> PickleValue {
            guard count <= bytes.count - position else { throw Unsupported(description: "truncated msgpack data") }
            var items: [PickleValue] = []
            for _ in 0..<count { items.append(try value(depth: depth + 1)) }
            return .list(items)
        }

        mutating func map(_ count: Int, depth: Int) throws -> PickleValue {
            guard count <= (bytes.count - position) / 2 else { throw Unsupported(description: "truncated msgpack data") }
            var entries: [PickleDictEntry] = []
            for _ in 0..<count {
                let key = try value(depth: depth + 1)
                entries.append(PickleDictEntry(key: key, value: try value(depth: depth + 1)))
            }
            return .dict(entries)
        }
    }
}
