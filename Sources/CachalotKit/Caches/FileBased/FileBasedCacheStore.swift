import Glibc

/// `django.core.cache.backends.filebased.FileBasedCache`: one file per key,
/// named `md5(made key).hexdigest() + ".djcache"`, holding `pickle(expiry)`
/// followed by `zlib.compress(pickle(value))`, both in pickle protocol 5.
///
/// Django culls a full directory (MAX_ENTRIES) by deleting random files;
/// this store never culls, since deleting table keys would make Django
/// discard every query cached on those tables. New files get the owner of
/// Django's own (FileOwner), and cachalot's runs on one folder take turns
/// (CacheFolderLock), so stamps never move backwards between them.
public struct FileBasedCacheStore: CacheStore {
    public let settings: CacheSettings
    public let keyMaker: DjangoKeyMaker
    private let directory: String
    private let now: () -> Double
    private let zlib = ZlibStreams()
    private let scanState = FileScanState()

    /// A cache file larger than this is not one Django wrote for cachalot.
    static let fileSizeLimit = 128 << 20

    public init(settings: CacheSettings, clock: @escaping () -> Double) {
        self.settings = settings
        self.keyMaker = DjangoKeyMaker(settings)
        self.directory = settings.locations.first ?? ""
        self.now = clock
    }

    public var address: String { directory }

    /// The file Django keeps `key` (a cachalot key) in.
    public func path(forKey key: String) -> String {
        path(forMade: keyMaker.makeKey(key))
    }

    /// The file Django keeps a made key in: `_key_to_file`.
    func path(forMade made: String) -> String {
        directory + "/" + Hashing.md5Hex(made) + ".djcache"
    }

    public func stampTables(made keys: [String], at now: Double, timeout: Double?) throws -> StampOutcome {
        guard !keys.isEmpty else { return StampOutcome() }
        let owner = try FileOwner.forNewFiles(in: directory)
        try createDirectory(owner: owner)
        let lock = try CacheFolderLock(directory)
        defer { lock.release() }
        var outcome = StampOutcome()
        var created = Set<String>()
        for key in keys {
            do {
                switch try storedTimestamp(key, now: now) {
                case .time(let stored)? where stored > now:
                    outcome.keptNewer[key] = stored
                    continue
                case .unreadable(let found)?:
                    outcome.replacedUnreadable[key] = found
                case .time?:
                    break
                case nil:
                    created.insert(key)
                }
            } catch let failure as FileSystem.Failure where failure.code == EACCES || failure.code == EPERM {
                outcome.skipped[key] = "cannot read \(failure.path): \(failure.reason); left as it is"
                continue
            }
            do {
                try write(key, value: .float(now), now: now, timeout: timeout, owner: owner)
            } catch {
                outcome.replacedUnreadable[key] = nil
                throw PartialStampFailure(outcome: outcome, error: CachalotError(error))
            }
            outcome.written.append(key)
            if created.contains(key) { outcome.created.append(key) }
        }
        return outcome
    }

    public func inspectTimestamps(made keys: [String]) throws -> [String: StoredTimestamp] {
        let now = self.now()
        var result: [String: StoredTimestamp] = [:]
        for key in keys { result[key] = try storedTimestamp(key, now: now) }
        return result
    }

    public func readValues(_ keys: [String]) throws -> [String: PickleValue] {
        let now = self.now()
        var result: [String: PickleValue] = [:]
        for key in keys {
            let file = path(forKey: key)
            guard let entry = try entry(at: file, now: now), !entry.expired else { continue }
            do {
                result[key] = try decode(entry)
            } catch {
                throw CachalotError.runtime("\(file): \(CachalotError(error).message)")
            }
        }
        return result
    }

    public func writeValues(_ values: [String: PickleValue], timeout: Double?) throws {
        guard !values.isEmpty else { return }
        let owner = try FileOwner.forNewFiles(in: directory)
        try createDirectory(owner: owner)
        let now = self.now()
        for (key, value) in values { try write(keyMaker.makeKey(key), value: value, now: now, timeout: timeout, owner: owner) }
    }

    // MARK: file format

    /// A table key's file as Django would read it: nil when absent or
    /// expired; unreadable when empty, truncated or not a pickled number.
    private func storedTimestamp(_ made: String, now: Double) throws -> StoredTimestamp? {
        let file = path(forMade: made)
        let entry: CacheEntry?
        do {
            entry = try self.entry(at: file, now: now)
        } catch let failure as FileSystem.Failure where failure.code == EFBIG {
            return .unreadable("a file larger than \(Self.fileSizeLimit >> 20) MiB")
        } catch let failure as FileSystem.Failure {
            throw failure
        } catch {
            return .unreadable(CachalotError(error).message)
        }
        guard let entry, !entry.expired else { return nil }
        guard let value = try? decode(entry) else { return .unreadable("a value that does not decompress and unpickle") }
        return Self.timestamp(from: value)
    }

    /// Reads one cache file: `pickle(expiry)` then the compressed value.
    /// A cache file as an entry, with its access time from before it was
    /// read (and read with O_NOATIME where allowed, so stats leaves it).
    private func entry(at file: String, now: Double) throws -> CacheEntry? {
        guard let read = try FileSystem.readWithStatus(file, limit: Self.fileSizeLimit, keepingAccessTime: true) else { return nil }
        if !read.keptAccessTime { scanState.touchedFiles += 1 }
        var entry = try Self.entry(read.bytes, name: PathText.lastComponent(file), now: now)
        if scanState.mountKeepsAccessTimes {
            let accessed = Double(read.status.st_atim.tv_sec) + Double(read.status.st_atim.tv_nsec) / 1e9
            entry.lastRead = .idle(max(0, now - accessed))
        }
        return entry
    }

    /// A cache file's bytes as an entry: its expiry pickle, then the value.
    static func entry(_ bytes: [UInt8], name: String, now: Double) throws -> CacheEntry {
        guard !bytes.isEmpty else { throw CachalotError.runtime("an empty file") }
        do {
            let (expiry, valueStart) = try PickleReader.readPrefix(bytes)
            let expiresAt = expiry.number
            return CacheEntry(name: name, value: Array(bytes[valueStart...]), size: bytes.count,
                              expiresAt: expiresAt, expired: expiresAt.map { $0 < now } ?? false)
        } catch {
            throw CachalotError.runtime("not a Django cache file (\(error))")
        }
    }

    public func entryName(forKey key: String) -> String {
        Hashing.md5Hex(keyMaker.makeKey(key)) + ".djcache"
    }


    /// Every `.djcache` file of the directory. Django's file cache keeps no
    /// key names, so files of every KEY_PREFIX sharing the folder are seen.
    /// A file that cannot be read is passed on as unreadable.
    public func scan(lastRead: Bool, _ visit: (CacheEntry) throws -> Void) throws {
        guard let names = try FileSystem.list(directory) else { return }
        let now = self.now()
        scanState.touchedFiles = 0
        scanState.mountFlags = FileSystem.mountFlags(directory)
        for name in names where name.hasSuffix(".djcache") {
            do {
                // A file Django deleted or culled meanwhile is simply gone.
                guard let entry = try entry(at: directory + "/" + name, now: now) else { continue }
                try visit(entry)
            } catch let error as CachalotError where error.exitCode == .usage {
                throw error
            } catch {
                let size = FileSystem.status(directory + "/" + name).map { Int($0.st_size) } ?? 0
                try visit(CacheEntry(name: name, value: [], size: size, expiresAt: nil, unreadable: true))
            }
        }
    }

    public func pickleBytes(of entry: CacheEntry) throws -> [UInt8]? {
        try zlib.inflater.decompress(entry.value, limit: valueLimit)
    }

    public func lastReadSource() -> LastReadSource {
        let flags = scanState.mountFlags
        let caveat: String?
        if !scanState.mountKeepsAccessTimes {
            caveat = "\(directory) is mounted noatime: the kernel keeps no read times"
        } else if flags & FileSystem.mountRelatime != 0 {
            caveat = "\(directory) is mounted relatime: a file's access time moves on its first read after a write, then at most once a day, so idle times under a day are upper bounds"
        } else {
            caveat = nil
        }
        let touched = scanState.touchedFiles
        return LastReadSource(method: "file access times", scanResetsIt: touched > 0,
                              caveat: touched > 0 ? [caveat, "\(touched) files could not be read with O_NOATIME (neither their owner nor root): this scan may have moved their access times"].compactMap { $0 }.joined(separator: "; ") : caveat)
    }

    public func outline(of entry: CacheEntry) throws -> PickleOutline? {
        try zlib.inflater.outline(entry.value, limit: Zlib.defaultLimit)
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

    private func write(_ made: String, value: PickleValue, now: Double, timeout: Double?, owner: FileOwner?) throws {
        // Django: timeout 0 means "expire now" (stored as now - 1).
        let expiry: PickleValue = timeout.map { .float(now + ($0 == 0 ? -1 : $0)) } ?? .none
        let content = try PickleWriter.dumps(expiry, protocol: 5)
            + zlib.deflater.compress(try PickleWriter.dumps(value, protocol: 5))
        try AtomicFile.write(content, to: path(forMade: made), in: directory, owner: owner)
    }

    /// Like Django's `_createdir`: mode 0700 for every created level.
    private func createDirectory(owner: FileOwner?) throws {
        guard !FileSystem.isDirectory(directory) else { return }
        let previous = umask(0o077)
        defer { umask(previous) }
        try FileSystem.createDirectories(directory, mode: 0o700)
        if let owner, chown(directory, owner.user, owner.group) != 0 {
            throw FileSystem.Failure(path: directory, code: errno, action: "give the new folder to its owner")
        }
    }
}

/// One deflate and one inflate stream per store, made on first use: a run
/// that writes a hundred keys sets zlib up once.
private final class ZlibStreams {
    lazy var deflater = Zlib.Deflater()
    lazy var inflater = Zlib.Inflater()
}

/// What the last scan found about access times (the store is a value; this
/// is the part a scan updates).
private final class FileScanState {
    var touchedFiles = 0
    var mountFlags: UInt = 0

    var mountKeepsAccessTimes: Bool { mountFlags & FileSystem.mountNoatime == 0 }
}
