/// Django's default cache key function, `default_key_func`: every key
/// cachalot computes reaches the cache server as `<KEY_PREFIX>:<VERSION>:<key>`.
public struct DjangoKeyMaker: Sendable, Equatable {
    public var keyPrefix: String
    public var version: Int

    public init(keyPrefix: String = "", version: Int = 1) {
        self.keyPrefix = keyPrefix
        self.version = version
    }

    public init(_ cache: CacheSettings) {
        self.init(keyPrefix: cache.keyPrefix, version: cache.version)
    }

    public func makeKey(_ key: String) -> String { "\(keyPrefix):\(version):\(key)" }
}
