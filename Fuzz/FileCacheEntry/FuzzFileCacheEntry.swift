import FuzzSupport
@testable import CachalotKit

/// A `.djcache` file's bytes: expiry pickle, zlib, value pickle, outline,
/// as `stats` and the table-key reads take them.
enum FuzzFileCacheEntry {
    static func test(_ bytes: [UInt8]) {
        guard let entry = try? FileBasedCacheStore.entry(bytes, name: "x.djcache", now: 1_800_000_000) else { return }
        let inflater = Zlib.Inflater()
        if let outline = try? inflater.outline(entry.value, limit: 1 << 20) { _ = QueryEntryProbe.probe(outline) }
        if let pickle = try? inflater.decompress(entry.value, limit: 1 << 20), let value = try? PickleReader.read(pickle) {
            _ = FileBasedCacheStore.timestamp(from: value)
        }
    }
}

@main enum Main { static func main() { FuzzHarness.run(FuzzFileCacheEntry.test) } }
