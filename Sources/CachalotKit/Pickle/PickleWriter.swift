/// Writes pickles byte-identical to CPython's `pickle.dumps(value, protocol)`
/// for the values cachalot stores: None and floats (table keys).
public enum PickleWriter {
    public static let highestProtocol = 5

    public struct UnsupportedProtocol: Error { public var protocolVersion: Int }

    /// `pickle.dumps(value, protocol)`.
    public static func dumps(_ value: PickleValue, protocol version: Int) throws -> [UInt8] {
        guard (0...highestProtocol).contains(version) else { throw UnsupportedProtocol(protocolVersion: version) }
        var body: [UInt8] = []
        switch value {
        case .none:
            body.append(PickleOpcode.none.rawValue)
        case .float(let number):
            if version == 0 {
                body.append(PickleOpcode.float.rawValue)
                body += Array(PythonFloatRepr.repr(number).utf8) + [0x0a]
            } else {
                body.append(PickleOpcode.binFloat.rawValue)
                withUnsafeBytes(of: number.bitPattern.bigEndian) { body += $0 }
            }
        default:
            throw UnsupportedValue(value: value)
        }
        body.append(PickleOpcode.stop.rawValue)
        return header(version) + framed(body, version: version)
    }

    public struct UnsupportedValue: Error { public var value: PickleValue }

    private static func header(_ version: Int) -> [UInt8] {
        version >= 2 ? [PickleOpcode.proto.rawValue, UInt8(version)] : []
    }

    /// Protocol 4 and later wrap the body in a FRAME, which CPython leaves
    /// out when the body is shorter than 4 bytes (FRAME_SIZE_MIN).
    private static func framed(_ body: [UInt8], version: Int) -> [UInt8] {
        guard version >= 4, body.count >= 4 else { return body }
        var frame: [UInt8] = [PickleOpcode.frame.rawValue]
        withUnsafeBytes(of: UInt64(body.count).littleEndian) { frame += $0 }
        return frame + body
    }
}
