/// How each Python memcached client turns values into (flags, bytes) and
/// back: pymemcache's `pickle_serde` and pylibmc's native serializer share
/// the flag values (pickle 1, int 2 or 4, zlib 8, text 16) but not the
/// int flag: pymemcache writes 2, pylibmc 4 (and 2 for a bool).
struct MemcachedValueCodec {
    static let pickled: UInt32 = 1
    static let zlib: UInt32 = 8
    static let text: UInt32 = 16

    var client: MemcachedOptions.Client
    var integerFlags: UInt32
    var pickleProtocol: Int

    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    /// An int as its decimal text, anything else pickled.
    func encode(_ value: PickleValue) throws -> (flags: UInt32, data: [UInt8]) {
        if case .int(let number) = value { return (integerFlags, Array(String(number).utf8)) }
        return (Self.pickled, try PickleWriter.dumps(value, protocol: pickleProtocol))
    }

    func decode(flags: UInt32, data: [UInt8]) throws -> PickleValue {
        let (kind, bytes) = try unpacked(flags: flags, data: data)
        switch kind {
        case 0: return .bytes(bytes)
        case Self.pickled: return try PickleReader.read(bytes)
        case 2, 4:
            guard let number = PythonValues.integer(decimal: String(decoding: bytes, as: UTF8.self)) else {
                throw Unreadable(description: "an integer flag on \(bytes.count) bytes that are not digits")
            }
            return number
        default:
            guard let text = String(validating: bytes, as: UTF8.self) else { throw Unreadable(description: "text that is not UTF-8") }
            return .string(text)
        }
    }

    /// The pickle inside a value, or nil for a value stored as bytes, an
    /// int or text.
    func pickleBytes(flags: UInt32, data: [UInt8]) throws -> [UInt8]? {
        let (kind, bytes) = try unpacked(flags: flags, data: data)
        return kind == Self.pickled ? bytes : nil
    }

    /// The kind of value (0, 1, 2, 4 or 16) and its bytes, inflated when
    /// pylibmc compressed them; flags a client cannot read are refused, as
    /// that client would refuse them.
    private func unpacked(flags: UInt32, data: [UInt8]) throws -> (kind: UInt32, bytes: [UInt8]) {
        var bytes = data
        var kind = flags
        if flags & Self.zlib != 0 {
            guard client == .pylibmc else { throw Unreadable(description: "a compressed value pymemcache cannot read") }
            bytes = try Zlib.decompress(data, limit: valueLimit)
            kind &= ~Self.zlib
        }
        guard [0, Self.pickled, 2, 4, Self.text].contains(kind) else {
            throw Unreadable(description: "flags \(flags), which \(client == .pylibmc ? "pylibmc" : "pymemcache") does not read")
        }
        return (kind, bytes)
    }
}
