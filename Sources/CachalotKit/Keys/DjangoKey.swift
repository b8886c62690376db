/// Django's `make_key` for one cache: its KEY_FUNCTION with the cache's
/// KEY_PREFIX and VERSION, inside one tenant schema when the function
/// depends on it. Every key cachalot computes reaches the cache server
/// through this (`<KEY_PREFIX>:<VERSION>:<key>` with Django's default).
public struct DjangoKeyMaker: Sendable, Equatable {
    public var keyPrefix: String
    public var version: Int
    public var template: KeyTemplate
    /// The schema `makeKey(_:)` keys under (nil for a function without one).
    public var schema: String?

    public init(keyPrefix: String = "", version: Int = 1, template: KeyTemplate = .djangoDefault, schema: String? = nil) {
        self.keyPrefix = keyPrefix
        self.version = version
        self.template = template
        self.schema = schema
    }

    public init(_ cache: CacheSettings) {
        self.init(keyPrefix: cache.keyPrefix, version: cache.version, template: cache.keyFunction.template,
                  schema: cache.keyFunction.template.usesSchema ? cache.schema : nil)
    }

    public func makeKey(_ key: String) -> String { makeKey(key, schema: schema) }

    /// The key as the site makes it inside `schema`.
    public func makeKey(_ key: String, schema: String?) -> String {
        template.makeKey(key, prefix: keyPrefix, version: version, schema: schema)
    }

    /// What every key of this cache (and schema) starts with, for listing
    /// them by pattern; nil when the function hashes what precedes the key.
    public var entryPrefix: String? { template.fixedPrefix(prefix: keyPrefix, version: version, schema: schema) }

    /// `entryPrefix`, or a usage error for cache `alias` when there is none.
    public func listingPrefix(cache alias: String) throws -> String {
        guard let prefix = entryPrefix else {
            throw CachalotError.usage("cache '\(alias)': its KEY_FUNCTION (\(template.description)) hashes the key with what precedes it, so the site's entries cannot be told from other keys by name",
                                      hint: "invalidate and last-invalidation work on such a cache; stats, watch's first scan and doctor's key check need a listable prefix")
        }
        return prefix
    }
}
