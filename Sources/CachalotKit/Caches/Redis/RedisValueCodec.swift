/// How one Redis backend turns Python values into bytes and back.
///
/// Django's `RedisCache`: ints as decimal text, everything else pickled with
/// protocol 5. django-redis (pickle serializer): ints as text, else
/// `pickle.dumps(v, PICKLE_VERSION or 4)`, then its compressor for values
/// over 15 bytes; reading falls back to the raw bytes when decompressing
/// fails, as django-redis does.
public struct RedisValueCodec: Equatable, Sendable {
    public var pickleProtocol: Int
    /// True when the cache's compressor may have compressed stored values.
    public var mayBeCompressed: Bool

    /// Ints as decimal text (both backends skip pickling them), else a pickle.
    public func encode(_ value: PickleValue) throws -> [UInt8] {
        if case .int(let number) = value { return Array(String(number).utf8) }
        return try PickleWriter.dumps(value, protocol: pickleProtocol)
    }

    public func decode(_ bytes: [UInt8]) throws -> PickleValue {
        guard let pickle = pickleBytes(bytes) else { return .int(PlainInteger.parse(bytes) ?? 0) }
        return try PickleReader.read(pickle)
    }

    /// The pickle inside a stored value, or nil for an int stored as text.
    public func pickleBytes(_ bytes: [UInt8]) -> [UInt8]? {
        if bytes.first != PickleOpcode.proto.rawValue, PlainInteger.parse(bytes) != nil { return nil }
        if mayBeCompressed, let inflated = try? Zlib.decompress(bytes, limit: valueLimit) { return inflated }
        return bytes
    }

    /// The outline of the pickle inside a stored value, or nil for an int.
    public func outline(_ bytes: [UInt8]) -> PickleOutline? {
        if bytes.first != PickleOpcode.proto.rawValue, PlainInteger.parse(bytes) != nil { return nil }
        if mayBeCompressed, let outline = try? Zlib.Inflater().outline(bytes, limit: Zlib.defaultLimit) { return outline }
        return PickleOutline(bytes)
    }
}
