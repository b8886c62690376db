/// Writes pickles that CPython's `pickle.loads` reads back as the same
/// values: what cachalot stores (table timestamps, `(timestamp, rows)`
/// query entries), rows holding the objects database drivers return
/// (PythonValues) included. Floats and None are byte-identical to
/// `pickle.dumps(value, protocol)`; containers are written without memo
/// opcodes, which loaders do not need.
public enum PickleWriter {
    public static let highestProtocol = 5

    public struct UnsupportedProtocol: Error { public var protocolVersion: Int }

    /// `pickle.dumps(value, protocol)`.
    public static func dumps(_ value: PickleValue, protocol version: Int) throws -> [UInt8] {
        guard (0...highestProtocol).contains(version) else { throw UnsupportedProtocol(protocolVersion: version) }
        var body: [UInt8] = []
        try write(value, version: version, into: &body)
        body.append(PickleOpcode.stop.rawValue)
        return header(version) + framed(body, version: version)
    }

    private static func op(_ opcode: PickleOpcode, _ body: inout [UInt8]) { body.append(opcode.rawValue) }

    private static func littleEndian<T: FixedWidthInteger>(_ value: T, _ body: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { body += $0 }
    }

    private static func write(_ value: PickleValue, version: Int, into body: inout [UInt8]) throws {
        switch value {
        case .none:
            op(.none, &body)
        case .bool(let flag):
            if version >= 2 { op(flag ? .newTrue : .newFalse, &body) } else { body += Array((flag ? "I01\n" : "I00\n").utf8) }
        case .int(let number):
            writeInt(number, version: version, into: &body)
        case .float(let number):
            if version == 0 {
                op(.float, &body)
                body += Array(PythonFloatRepr.repr(number).utf8) + [0x0a]
            } else {
                op(.binFloat, &body)
                withUnsafeBytes(of: number.bitPattern.bigEndian) { body += $0 }
            }
        case .string(let text):
            let utf8 = Array(text.utf8)
            if version == 0 {
                op(.unicode, &body)
                body += rawUnicodeEscaped(text) + [0x0a]
            } else if version >= 4 && utf8.count < 256 {
                op(.shortBinUnicode, &body)
                body.append(UInt8(utf8.count))
                body += utf8
            } else {
                op(.binUnicode, &body)
                littleEndian(UInt32(utf8.count), &body)
                body += utf8
            }
        case .bytes(let data):
            guard version >= 3 else {
                // Python 2 protocols have no bytes type: CPython writes _codecs.encode(str, 'latin1').
                body += Array("c_codecs\nencode\n".utf8)
                let latin1 = String(String.UnicodeScalarView(data.map { Unicode.Scalar($0) }))
                try write(.tuple([.string(latin1), .string("latin1")]), version: version, into: &body)
                op(.reduce, &body)
                return
            }
            if data.count < 256 {
                op(.shortBinBytes, &body)
                body.append(UInt8(data.count))
            } else {
                op(.binBytes, &body)
                littleEndian(UInt32(data.count), &body)
            }
            body += data
        case .tuple(let items):
            if items.isEmpty && version >= 1 { op(.emptyTuple, &body); return }
            if version >= 2 && items.count <= 3 {
                for item in items { try write(item, version: version, into: &body) }
                op([.tuple1, .tuple2, .tuple3][items.count - 1], &body)
                return
            }
            op(.mark, &body)
            for item in items { try write(item, version: version, into: &body) }
            op(.tuple, &body)
        case .list(let items):
            if version == 0 {
                op(.mark, &body)
                op(.list, &body)
                for item in items {
                    try write(item, version: version, into: &body)
                    op(.append, &body)
                }
                return
            }
            op(.emptyList, &body)
            guard !items.isEmpty else { return }
            op(.mark, &body)
            for item in items { try write(item, version: version, into: &body) }
            op(.appends, &body)
        case .bigInt(let bytes):
            guard version >= 2 else { throw UnsupportedValue(value: value) }
            if bytes.count < 256 {
                op(.long1, &body)
                body.append(UInt8(bytes.count))
            } else {
                op(.long4, &body)
                littleEndian(Int32(bytes.count), &body)
            }
            body += bytes
        case .dict(let entries):
            guard version >= 1 else { throw UnsupportedValue(value: value) }
            op(.emptyDict, &body)
            guard !entries.isEmpty else { return }
            op(.mark, &body)
            for entry in entries {
                try write(entry.key, version: version, into: &body)
                try write(entry.value, version: version, into: &body)
            }
            op(.setItems, &body)
        case .global(let module, let name):
            if version >= 4 {
                try write(.string(module), version: version, into: &body)
                try write(.string(name), version: version, into: &body)
                op(.stackGlobal, &body)
            } else {
                op(.global, &body)
                body += Array("\(module)\n\(name)\n".utf8)
            }
        case .object(let callable, let arguments, let state):
            try writeObject(callable, arguments, state, version: version, into: &body)
        case .set, .frozenSet:
            throw UnsupportedValue(value: value)
        }
    }

    /// `callable(*arguments)` is REDUCE. An object with no arguments and a
    /// state is `cls.__new__(cls)` — NEWOBJ, as CPython writes uuid.UUID —
    /// then BUILD with the state.
    private static func writeObject(_ callable: PickleValue, _ arguments: [PickleValue], _ state: PickleValue?,
                                    version: Int, into body: inout [UInt8]) throws {
        try write(callable, version: version, into: &body)
        if arguments.isEmpty, state != nil {
            guard version >= 2 else { throw UnsupportedValue(value: callable) }
            op(.emptyTuple, &body)
            op(.newObj, &body)
        } else {
            try write(.tuple(arguments), version: version, into: &body)
            op(.reduce, &body)
        }
        if let state {
            try write(state, version: version, into: &body)
            op(.build, &body)
        }
    }

    private static func writeInt(_ number: Int, version: Int, into body: inout [UInt8]) {
        guard version >= 1 else {
            body += Array("I\(number)\n".utf8)
            return
        }
        if (0...0xff).contains(number) {
            op(.binInt1, &body)
            body.append(UInt8(number))
        } else if (0...0xffff).contains(number) {
            op(.binInt2, &body)
            littleEndian(UInt16(number), &body)
        } else if (Int(Int32.min)...Int(Int32.max)).contains(number) {
            op(.binInt, &body)
            littleEndian(Int32(number), &body)
        } else if version >= 2 {
            op(.long1, &body)
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

    /// Protocol 0 UNICODE text, as CPython's save_str: the characters that
    /// would end the line or be taken for an escape as \\uXXXX, then
    /// raw-unicode-escape (Latin-1 bytes, \\uXXXX / \\UXXXXXXXX beyond).
    private static func rawUnicodeEscaped(_ text: String) -> [UInt8] {
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
