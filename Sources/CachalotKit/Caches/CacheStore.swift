/// What cachalot needs from a cache, whatever the backend: read and write
/// table timestamps under Django's key names. Keys given here are cachalot
/// keys (before `make_key`); each backend applies its cache's key maker.
public protocol CacheStore {
    var settings: CacheSettings { get }

    /// Where the cache lives, for messages ("/var/cache/django", "redis://…").
    var address: String { get }

    /// The stored timestamp of each key that is present and not expired.
    func readTimestamps(_ keys: [String]) throws -> [String: Double]

    /// Sets every key to `now` with `timeout` (nil: never expires), except
    /// keys whose stored timestamp is already newer: a table key is never
    /// moved backwards. Returns those kept keys with their stored value.
    func stampTables(_ keys: [String], at now: Double, timeout: Double?) throws -> [String: Double]
}

extension CacheStore {
    /// Decodes a stored table timestamp, naming the key when it is not one.
    func timestamp(from value: PickleValue, key: String) throws -> Double {
        guard let number = value.number else {
            throw CachalotError.runtime("cache '\(settings.alias)' (\(address)): key \(key) holds \(value), not a cachalot timestamp")
        }
        return number
    }
}
