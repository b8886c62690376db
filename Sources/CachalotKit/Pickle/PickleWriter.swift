/// Writes pickles as CPython's pickler writes them: the same opcodes, the
/// memo opcode after every object CPython memoizes (str, bytes, non-empty
/// tuples, lists, dicts, globals, objects), lists and dicts filled in
/// batches of 1,000, one frame for protocol 4 and later. For values in
/// which no object appears twice (cachalot never shares one) the bytes are
/// `pickle.dumps(value, protocol)`'s, up to CPython's splitting of frames
/// past 64 KiB. Objects are written as the call that builds them: REDUCE,
/// or NEWOBJ for a class called with no arguments (uuid.UUID,
/// django-redis's herd Marker), then BUILD with the state.
public enum PickleWriter {
    public static let highestProtocol = 5

    public struct UnsupportedProtocol: Error { public var protocolVersion: Int }

    /// `pickle.dumps(value, protocol)`.
    public static func dumps(_ value: PickleValue, protocol version: Int) throws -> [UInt8] {
        guard (0...highestProtocol).contains(version) else { throw UnsupportedProtocol(protocolVersion: version) }
        var writer = Writer(version: version)
        try writer.write(value)
        writer.op(.stop)
        return header(version) + framed(writer.body, version: version)
    }

    /// CPython appends and sets items in batches of this many.
    static let batchSize = 1000

    private struct Writer {
        let version: Int
        var body: [UInt8] = []
        var memoCount = 0

        init(version: Int) { self.version = version }

        mutating func op(_ opcode: PickleOpcode) { body.append(opcode.rawValue) }

        mutating func littleEndian<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { body += $0 }
        }

        /// MEMOIZE (protocol 4+), BINPUT/LONG_BINPUT (1–3) or PUT (0).
        mutating func memoize() {
            if version >= 4 {
                op(.memoize)
            } else if version >= 1 {
                if memoCount < 256 {
                    op(.binPut)
                    body.append(UInt8(memoCount))
                } else {
                    op(.longBinPut)
                    littleEndian(UInt32(memoCount))
                }
            } else {
                body += Array("p\(memoCount)\n".utf8)
            }
            memoCount += 1
        }

        mutating func write(_ value: PickleValue) throws {
            switch value {
            case .none:
                op(.none)
            case .bool(let flag):
                if version >= 2 { op(flag ? .newTrue : .newFalse) } else { body += Array((flag ? "I01\n" : "I00\n").utf8) }
            case .int(let number):
                writeInt(number)
            case .bigInt(let bytes):
                guard version >= 2 else { throw UnsupportedValue(value: value) }
                if bytes.count < 256 {
                    op(.long1)
                    body.append(UInt8(bytes.count))
                } else {
                    op(.long4)
                    littleEndian(Int32(bytes.count))
                }
                body += bytes
            case .float(let number):
                if version == 0 {
                    op(.float)
                    body += Array(PythonFloatRepr.repr(number).utf8) + [0x0a]
                } else {
                    op(.binFloat)
                    withUnsafeBytes(of: number.bitPattern.bigEndian) { body += $0 }
                }
            case .string(let text):
                writeString(text)
            case .bytes(let data):
                try writeBytes(data)
            case .tuple(let items):
                try writeTuple(items)
            case .list(let items):
                try writeList(items)
            case .dict(let entries):
                try writeDict(entries)
            case .global(let module, let name):
                if version >= 4 {
                    writeString(module)
                    writeString(name)
                    op(.stackGlobal)
                } else {
                    op(.global)
                    body += Array("\(module)\n\(name)\n".utf8)
                }
                memoize()
            case .object(let callable, let arguments, let state):
                try write(callable)
                if arguments.isEmpty, version >= 2 {
                    op(.emptyTuple)
                    op(.newObj)
                } else {
                    try writeTuple(arguments)
                    op(.reduce)
                }
                memoize()
                if let state {
                    try write(state)
                    op(.build)
                }
            case .set, .frozenSet:
                throw UnsupportedValue(value: value)
            }
        }

        mutating func writeInt(_ number: Int) {
            guard version >= 1 else {
                body += Array("I\(number)\n".utf8)
                return
            }
            if (0...0xff).contains(number) {
                op(.binInt1)
                body.append(UInt8(number))
            } else if (0...0xffff).contains(number) {
                op(.binInt2)
                littleEndian(UInt16(number))
            } else if (Int(Int32.min)...Int(Int32.max)).contains(number) {
                op(.binInt)
                littleEndian(Int32(number))
            } else if version >= 2 {
                op(.long1)
                var bytes = withUnsafeBytes(of: number.littleEndian) { Array($0) }
                // Shortest two's complement, as CPython's encode_long.
                while bytes.count > 1, (bytes.last == 0 && bytes[bytes.count - 2] & 0x80 == 0)
                        || (bytes.last == 0xff && bytes[bytes.count - 2] & 0x80 != 0) {
                    bytes.removeLast()
                }
                body.append(UInt8(bytes.count))
                body += bytes
            } else {
                body += Array("L\(number)L\n".utf8)
            }
        }

        mutating func writeString(_ text: String) {
            let utf8 = Array(text.utf8)
            if version == 0 {
                op(.unicode)
                body += PickleWriter.rawUnicodeEscaped(text) + [0x0a]
            } else if version >= 4 && utf8.count < 256 {
                op(.shortBinUnicode)
                body.append(UInt8(utf8.count))
                body += utf8
            } else {
                op(.binUnicode)
                littleEndian(UInt32(utf8.count))
                body += utf8
            }
            memoize()
        }

        mutating func writeBytes(_ data: [UInt8]) throws {
            guard version >= 3 else {
                // Python 2 protocols have no bytes type: CPython writes _codecs.encode(str, 'latin1').
                let latin1 = String(String.UnicodeScalarView(data.map { Unicode.Scalar($0) }))
                try write(.object(callable: .global(module: "_codecs", name: "encode"),
                                  arguments: [.string(latin1), .string("latin1")], state: nil))
                return
            }
            if data.count < 256 {
                op(.shortBinBytes)
                body.append(UInt8(data.count))
            } else {
                op(.binBytes)
                littleEndian(UInt32(data.count))
            }
            body += data
            memoize()
        }

        mutating func writeTuple(_ items: [PickleValue]) throws {
            if items.isEmpty && version >= 1 {
                op(.emptyTuple)
                return
            }
            if version >= 2 && items.count <= 3 {
                for item in items { try write(item) }
                op([.tuple1, .tuple2, .tuple3][items.count - 1])
            } else {
                op(.mark)
                for item in items { try write(item) }
                op(.tuple)
            }
            memoize()
        }

        mutating func writeList(_ items: [PickleValue]) throws {
            if version == 0 {
                op(.mark)
                op(.list)
                memoize()
                for item in items {
                    try write(item)
                    op(.append)
                }
                return
            }
            op(.emptyList)
            memoize()
            for start in stride(from: 0, to: items.count, by: PickleWriter.batchSize) {
                let batch = items[start..<min(start + PickleWriter.batchSize, items.count)]
                if batch.count == 1 {
                    try write(batch.first!)
                    op(.append)
                } else {
                    op(.mark)
                    for item in batch { try write(item) }
                    op(.appends)
                }
            }
        }

        mutating func writeDict(_ entries: [PickleDictEntry]) throws {
            if version == 0 {
                op(.mark)
                op(.dict)
                memoize()
                for entry in entries {
                    try write(entry.key)
                    try write(entry.value)
                    op(.setItem)
                }
                return
            }
            op(.emptyDict)
            memoize()
            for start in stride(from: 0, to: entries.count, by: PickleWriter.batchSize) {
                let batch = entries[start..<min(start + PickleWriter.batchSize, entries.count)]
                if batch.count == 1 {
                    try write(batch.first!.key)
                    try write(batch.first!.value)
                    op(.setItem)
                } else {
                    op(.mark)
                    for entry in batch {
                        try write(entry.key)
                        try write(entry.value)
                    }
                    op(.setItems)
                }
            }
        }
    }

/// Protocol 0 UNICODE text, as CPython's save_str: the characters that
    /// would end the line or be taken for an escape as \\uXXXX, then
    /// raw-unicode-escape (Latin-1 bytes, \\uXXXX / \\UXXXXXXXX beyond).
    static func rawUnicodeEscaped(_ text: String) -> [UInt8] {
        var result: [UInt8] = []
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x5c, 0x00, 0x0a, 0x0d, 0x1a: result += Array(("\\u" + TextFormatting.hex(scalar.value, width: 4)).utf8)
            case 0..<0x100: result.append(UInt8(scalar.value))
            case 0x100..<0x10000: result += Array(("\\u" + TextFormatting.hex(scalar.value, width: 4)).utf8)
            default: result += Array(("\\U" + TextFormatting.hex(scalar.value, width: 8)).utf8)
            }
        }
        return result
    }

    public struct UnsupportedValue: Error, CustomStringConvertible {
        public var value: PickleValue
        public var description: String { "cannot pickle \(PythonObjectRepr.excerpt(value)) with this protocol" }
    }

    static func header(_ version: Int) -> [UInt8] {
        version >= 2 ? [PickleOpcode.proto.rawValue, UInt8(version)] : []
    }

    /// Protocol 4 and later wrap the body in a FRAME, which CPython leaves
    /// out when the body is shorter than 4 bytes (FRAME_SIZE_MIN).
    static func framed(_ body: [UInt8], version: Int) -> [UInt8] {
        guard version >= 4, body.count >= 4 else { return body }
        var frame: [UInt8] = [PickleOpcode.frame.rawValue]
        withUnsafeBytes(of: UInt64(body.count).littleEndian) { frame += $0 }
        return frame + body
    }
}
