import Glibc

/// `django.core.cache.backends.filebased.FileBasedCache`: one file per key,
/// named `md5(made key).hexdigest() + ".djcache"`, holding `pickle(expiry)`
/// followed by `zlib.compress(pickle(value))`, both in pickle protocol 5.
///
/// Django culls a full directory (MAX_ENTRIES) by deleting random files;
/// this store never culls, since deleting table keys would make Django
/// discard every query cached on those tables.
public struct FileBasedCacheStore: CacheStore {
    public let settings: CacheSettings
    private let keyMaker: DjangoKeyMaker
    private let directory: String
    private let now: () -> Double
    private let zlib = ZlibStreams()

    public init(settings: CacheSettings, clock: @escaping () -> Double) {
        self.settings = settings
        self.keyMaker = DjangoKeyMaker(settings)
        self.directory = settings.locations.first ?? ""
        self.now = clock
    }

    public var address: String { directory }

    /// The file Django keeps `key` in.
    public func path(forKey key: String) -> String {
        directory + "/" + entryName(forKey: key)
    }

    public func stampTables(_ keys: [String], at now: Double, timeout: Double?) throws -> [String: Double] {
        guard !keys.isEmpty else { return [:] }
        try createDirectory()
        var kept: [String: Double] = [:]
        for key in keys {
            if let stored = try read(key, now: now)?.number, stored > now {
                kept[key] = stored
                continue
            }
            try write(key, value: .float(now), now: now, timeout: timeout)
        }
        return kept
    }

    public func readValues(_ keys: [String]) throws -> [String: PickleValue] {
        let now = self.now()
        var result: [String: PickleValue] = [:]
        for key in keys { result[key] = try read(key, now: now) }
        return result
    }

    public func writeValues(_ values: [String: PickleValue], timeout: Double?) throws {
        guard !values.isEmpty else { return }
        try createDirectory()
        let now = self.now()
        for (key, value) in values { try write(key, value: value, now: now, timeout: timeout) }
    }

    // MARK: file format

    /// The value stored under `key`, or nil when there is no file or it has expired.
    func read(_ key: String, now: Double) throws -> PickleValue? {
        let name = entryName(forKey: key)
        guard let entry = try entry(named: name, now: now), !entry.expired else { return nil }
        return try decode(entry)
    }

    /// Reads one cache file: `pickle(expiry)` then the compressed value.
    private func entry(named name: String, now: Double) throws -> CacheEntry? {
        let file = directory + "/" + name
        guard let bytes = try FileSystem.read(file) else { return nil }
        do {
            let (expiry, valueStart) = try PickleReader.readPrefix(bytes)
            let expiresAt = expiry.number
            return CacheEntry(name: name, value: Array(bytes[valueStart...]), size: bytes.count,
                              expiresAt: expiresAt, expired: expiresAt.map { $0 < now } ?? false)
        } catch {
            throw CachalotError.runtime("\(file) is not a Django cache file: \(error)")
        }
    }

    public func entryName(forKey key: String) -> String {
        Hashing.md5Hex(keyMaker.makeKey(key)) + ".djcache"
    }

    /// Every `.djcache` file of the directory. Django's file cache keeps no
    /// key names, so files of every KEY_PREFIX sharing the folder are seen.
    public func scan(_ visit: (CacheEntry) throws -> Void) throws {
        guard let names = try FileSystem.list(directory) else { return }
        let now = self.now()
        for name in names where name.hasSuffix(".djcache") {
            // A file Django deleted or culled meanwhile is simply gone.
            if let entry = try? self.entry(named: name, now: now) { try visit(entry) }
        }
    }

    public func pickleBytes(of entry: CacheEntry) throws -> [UInt8]? {
        try zlib.inflater.decompress(entry.value)
    }

    /// No server; checks instead that LOCATION is a readable directory, or
    /// absent (Django creates it on its first write).
    public func serverFacts() throws -> ServerFacts {
        guard FileSystem.exists(directory) else { return ServerFacts() }
        guard FileSystem.isDirectory(directory), access(directory, R_OK | X_OK) == 0 else {
            throw CachalotError.runtime("\(directory) is not a readable directory")
        }
        return ServerFacts()
    }

    private func write(_ key: String, value: PickleValue, now: Double, timeout: Double?) throws {
        // Django: timeout 0 means "expire now" (stored as now - 1).
        let expiry: PickleValue = timeout.map { .float(now + ($0 == 0 ? -1 : $0)) } ?? .none
        let content = try PickleWriter.dumps(expiry, protocol: 5)
            + zlib.deflater.compress(try PickleWriter.dumps(value, protocol: 5))
        try AtomicFile.write(content, to: path(forKey: key), in: directory)
    }

    /// Like Django's `_createdir`: mode 0700 for every created level.
    private func createDirectory() throws {
        let previous = umask(0o077)
        defer { umask(previous) }
        try FileSystem.createDirectories(directory, mode: 0o700)
    }
}

/// One deflate and one inflate stream per store, made on first use: a run
/// that writes a hundred keys sets zlib up once.
private final class ZlibStreams {
    lazy var deflater = Zlib.Deflater()
    lazy var inflater = Zlib.Inflater()
}
