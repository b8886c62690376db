/// How one Redis backend turns Python values into bytes and back.
///
/// Django's `RedisCache`: ints as decimal text, everything else pickled with
/// protocol 5. django-redis: ints as text, else its serializer (pickle with
/// PICKLE_VERSION or 4, JSON, msgpack), then its compressor for values
/// longer than the compressor's threshold; reading tries int(), then the
/// compressor, falling back to the raw bytes when that fails, as
/// django-redis does. Its HerdClient wraps values stored with a timeout as
/// `(Marker(), value, expiry stamp)`. django-valkey does the same but for
/// floats, stored as text (`repr`) like ints, never serialized or
/// compressed (django_valkey/util.py encode/decode).
public struct RedisValueCodec: Equatable, Sendable {
    /// The client library whose rules apply: django-redis's (Django's own
    /// RedisCache shares its int rule) or django-valkey's.
    public enum Library: Equatable, Sendable {
        case djangoRedis, djangoValkey

        /// The module of the herd client's Marker class.
        var herdMarkerModule: String { self == .djangoValkey ? "django_valkey.base_client" : "django_redis.client.herd" }
    }

    public enum Serializer: Equatable, Sendable {
        case pickle(protocol: Int)
        case json
        case msgpack
    }

    public enum Compression: String, Equatable, Sendable {
        case none, zlib, gzip, lzma, lz4, zstd

        /// django-redis compresses a value only when it is longer than
        /// this: 100 bytes for lzma, 15 for the others.
        var djangoRedisThreshold: Int { self == .lzma ? 100 : 15 }

        var compressor: ValueCompressor? {
            switch self {
            case .none: return nil
            case .zlib: return ZlibCompressor(gzip: false)
            case .gzip: return ZlibCompressor(gzip: true)
            case .lzma: return LzmaCompressor()
            case .lz4: return Lz4Compressor()
            case .zstd: return ZstdCompressor()
            }
        }
    }

    public var serializer: Serializer
    public var compression: Compression = .none
    /// HerdClient: values stored with a timeout are wrapped.
    public var herd = false
    public var library = Library.djangoRedis
    /// django-valkey compresses a value longer than CACHE_COMPRESS_MIN_LENGTH, whatever the compressor.
    public var valkeyMinLength = 15

    /// A value longer than this is compressed.
    var threshold: Int { library == .djangoValkey ? valkeyMinLength : compression.djangoRedisThreshold }

    /// Whether the timeout is a Python float (CACHALOT_TIMEOUT = 300.0):
    /// the herd stamp keeps the timeout's type, as `timeout + int(time())`.
    public var floatTimeout = false

    public init(serializer: Serializer, compression: Compression = .none, herd: Bool = false, floatTimeout: Bool = false,
                library: Library = .djangoRedis) {
        self.serializer = serializer
        self.compression = compression
        self.herd = herd
        self.floatTimeout = floatTimeout
        self.library = library
    }

    /// The herd client's Marker instance.
    /// (Computed: LeakSanitizer takes a lazily made static enum payload for a leak.)
    var herdMarker: PickleValue {
        .object(callable: .global(module: library.herdMarkerModule, name: "Marker"), arguments: [], state: nil)
    }

    /// What the backend stores for `value` written with `timeout` at `now`:
    /// the herd wrapper first (with `int(time.time()) + timeout` as stamp),
    /// then ints as text, else serialized and compressed past the threshold.
    public func encode(_ value: PickleValue, timeout: Double? = nil, now: Double = 0) throws -> [UInt8] {
        var value = value
        if herd, let timeout, timeout > 0 {
            let stamp: PickleValue = floatTimeout || timeout != timeout.rounded(.down)
                ? .float(timeout + Double(Int(now))) : .int(Int(timeout) + Int(now))
            value = .tuple([herdMarker, value, stamp])
        }
        if case .int(let number) = value { return Array(String(number).utf8) }
        if library == .djangoValkey, case .float(let number) = value { return Array(PythonFloatRepr.repr(number).utf8) }
        let serialized: [UInt8]
        switch serializer {
        case .pickle(let version): serialized = try PickleWriter.dumps(value, protocol: version)
        case .json: serialized = try DjangoJSON.dumps(value)
        case .msgpack: serialized = try MessagePack.dumps(value)
        }
        guard let compressor = compression.compressor, serialized.count > threshold else { return serialized }
        return try compressor.compress(serialized)
    }

    public func decode(_ bytes: [UInt8]) throws -> PickleValue {
        if library == .djangoValkey, let number = PlainNumber.parse(bytes) { return number }
        if let number = PlainInteger.parse(bytes) { return .int(number) }
        let data = serializedBytes(bytes)
        let value: PickleValue
        switch serializer {
        case .pickle: value = try PickleReader.read(data)
        case .json: value = try DjangoJSON.loads(data)
        case .msgpack: value = try MessagePack.loads(data)
        }
        return unwrapped(value)
    }

    /// The herd wrapper's value; anything else as it is.
    func unwrapped(_ value: PickleValue) -> PickleValue {
        switch value {
        case .tuple(let items) where items.count == 3, .list(let items) where items.count == 3:
            if case .object(.global(library.herdMarkerModule, "Marker"), _, _) = items[0] { return items[1] }
            return value
        default:
            return value
        }
    }

    /// The serializer's bytes: decompressed, or the stored ones when they
    /// do not decompress (short values are stored as they are).
    private func serializedBytes(_ bytes: [UInt8]) -> [UInt8] {
        guard let compressor = compression.compressor, let inflated = try? compressor.decompress(bytes, limit: valueLimit) else { return bytes }
        return inflated
    }

    /// Reading a value means inflating or decoding it whole.
    var needsWholeValues: Bool {
        if case .pickle = serializer { return compression != .none || herd }
        return true
    }

    /// The pickle inside a stored value (nil for an int stored as text).
    /// JSON and msgpack values, and herd-wrapped ones, are decoded and
    /// pickled again, so that `stats` classifies every serializer alike
    /// (a two-item list starting with a float, JSON's form of a tuple, is
    /// taken for the query entry it is).
    public func pickleBytes(_ bytes: [UInt8]) throws -> [UInt8]? {
        if bytes.first != PickleOpcode.proto.rawValue,
           PlainInteger.parse(bytes) != nil || (library == .djangoValkey && PlainNumber.parse(bytes) != nil) { return nil }
        if case .pickle = serializer, !herd { return serializedBytes(bytes) }
        var value = try decode(bytes)
        if case .list(let items) = value, items.count == 2, case .float = items[0] { value = .tuple(items) }
        return try PickleWriter.dumps(value, protocol: PickleWriter.highestProtocol)
    }

    /// The outline of the pickle inside a stored value, or nil for an int.
    public func outline(_ bytes: [UInt8]) throws -> PickleOutline? {
        try pickleBytes(bytes).map { PickleOutline($0) }
    }
}
