/// Django's `PyMemcacheCache` and `PyLibMCCache` over one memcached server
/// or a pool: every key goes to the server its Python client would pick
/// (MemcachedPlacement), each server is reached once per step with every
/// command for it pipelined, and table keys move only forward (gets, then
/// cas or add, retried when another writer got there first).
public final class MemcachedCacheStore: CacheStore {
    public let settings: CacheSettings
    let options: MemcachedOptions
    let codec: MemcachedValueCodec
    public let keyMaker: DjangoKeyMaker
    let now: () -> Double
    private var connections: [Int: MemcachedConnection] = [:]
    /// Whether the last scan had to read values with gets that move la=.
    var scanResetsLastRead = false

    /// How often a key that another writer keeps changing is tried again.
    static let stampAttempts = 5

    /// Checks the settings (servers, options, key length); connects on first use.
    public init(settings: CacheSettings, timeout: Double?, clock: @escaping () -> Double) throws {
        self.settings = settings
        options = try MemcachedOptions(settings, timeoutOverride: timeout)
        codec = MemcachedValueCodec(client: options.client, integerFlags: options.integerFlags, pickleProtocol: options.pickleProtocol)
        keyMaker = DjangoKeyMaker(settings)
        now = clock
        // Every key cachalot writes is a sha1: if one is valid, all are.
        _ = try madeKey(TableKey(databaseAlias: "default", table: "x").cachalotKey)
    }

    public var address: String {
        options.servers.map { "memcached://" + $0.address.description }.joined(separator: ",")
    }

    /// Django's make_and_validate_key: at most 250 characters, none of
    /// them a control character or space (memcache_key_warnings), and at
    /// most 250 bytes once UTF-8 (what the clients refuse).
    func madeKey(_ key: String) throws -> String {
        try checked(keyMaker.makeKey(key))
    }

    /// A made key memcached and the site's client accept, or a usage error.
    func checked(_ made: String) throws -> String {
        let scalars = made.unicodeScalars
        guard scalars.count <= 250, made.utf8.count <= 250,
              !scalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f }) else {
            throw CachalotError.usage("cache '\(settings.alias)': KEY_PREFIX \(quoted(settings.keyPrefix)) makes keys memcached refuses (\(quoted(made))): at most 250 characters, no spaces or control characters",
                                      hint: "Django's memcached backends raise InvalidCacheKey for these keys too")
        }
        return made
    }

    // MARK: placement

    /// Made keys grouped by the server holding each, in pool order.
    func placed(_ made: [String], among alive: [Int]) -> [(server: Int, keys: [String])] {
        var groups: [Int: [String]] = [:]
        for key in made {
            guard let server = options.placement.server(for: key, among: alive) else { continue }
            groups[server, default: []].append(key)
        }
        return groups.keys.sorted().map { ($0, groups[$0]!) }
    }

    func connection(_ server: Int) throws -> MemcachedConnection {
        if let open = connections[server] { return open }
        let opened = try MemcachedConnection(options.servers[server].address, timeout: options.timeout)
        if let sasl = options.sasl { try opened.authenticate(username: sasl.username, password: sasl.password) }
        connections[server] = opened
        return opened
    }

    /// Runs `body` on one server's connection; a failure forgets the
    /// connection and names the server.
    func onServer<T>(_ server: Int, _ body: (MemcachedConnection) throws -> T) throws -> T {
        do {
            return try body(try connection(server))
        } catch let failure as MemcachedConnection.Failure {
            connections[server] = nil
            throw ServerFailure(server: server, description: "server \(options.servers[server].address): \(failure.description)", hint: failure.hint)
        }
    }

    struct ServerFailure: Error, CustomStringConvertible {
        var server: Int
        var description: String
        var hint: String? = nil
    }

    // MARK: stamping

    public func stampTables(made keys: [String], at now: Double, timeout: Double?) throws -> StampOutcome {
        let byMade = Dictionary(try keys.map { (try checked($0), $0) }, uniquingKeysWith: { first, _ in first })
        let value = try codec.encode(.float(now))
        let exptime = MemcachedOptions.exptime(timeout, now: self.now())
        var outcome = StampOutcome()
        var failures: [ServerFailure] = []
        var failedKeys: [Int: [String]] = [:]
        let all = Array(options.servers.indices)
        for group in placed(Array(byMade.keys), among: all) {
            do {
                try stamp(group.keys, on: group.server, value: value, exptime: exptime, now: now, byMade: byMade, into: &outcome)
            } catch let failure as ServerFailure {
                failures.append(failure)
                failedKeys[failure.server] = group.keys
            }
        }
        // pymemcache sends a dead server's keys to the runner-up: stamp them
        // there too, so what Django reads during the outage is fresh. They
        // count as written; the dead server is still a failure.
        if case .rendezvous = options.placement, !failedKeys.isEmpty {
            let alive = all.filter { failedKeys[$0] == nil }
            for group in placed(failedKeys.values.flatMap { $0 }, among: alive) {
                let before = outcome.written.count
                do {
                    try stamp(group.keys, on: group.server, value: value, exptime: exptime, now: now, byMade: byMade, into: &outcome)
                } catch let failure as ServerFailure {
                    failures.append(failure)
                }
                outcome.onRunnerUp += outcome.written[before...]
            }
        }
        guard failures.isEmpty else {
            let text = failures.map { failure in
                "\(failure.description) (\(failedKeys[failure.server]?.count ?? 0) of the \(keys.count) table keys map to it)"
            }.joined(separator: "; ")
            let hint = failures.lazy.compactMap(\.hint).first ?? "start the memcached server, or remove it from LOCATION as the site does"
            throw PartialStampFailure(outcome: outcome, error: .runtime(text, hint: hint))
        }
        return outcome
    }

    /// gets, then one pipelined cas/add per key; keys another writer
    /// changed in between are read and tried again.
    private func stamp(_ made: [String], on server: Int, value: (flags: UInt32, data: [UInt8]), exptime: Int,
                       now: Double, byMade: [String: String], into outcome: inout StampOutcome) throws {
        var pending = made
        for _ in 0..<Self.stampAttempts where !pending.isEmpty {
            let stored = try fetch(pending, on: server, withCas: true)
            var commands: [(request: MemcachedConnection.StorageRequest, creates: Bool)] = []
            for key in pending {
                guard let cachalotKey = byMade[key] else { continue }
                guard let item = stored[key] else {
                    commands.append((.init(command: .add, key: key, value: value, exptime: exptime), true))
                    continue
                }
                switch inspect(item) {
                case .time(let time) where time > now:
                    outcome.keptNewer[cachalotKey] = time
                    continue
                case .time:
                    outcome.replacedUnreadable[cachalotKey] = nil
                case .unreadable(let found):
                    outcome.replacedUnreadable[cachalotKey] = found
                }
                commands.append((.init(command: .cas, key: key, value: value, exptime: exptime, cas: item.cas ?? 0), false))
            }
            let statuses = try onServer(server) { try $0.store(commands.map(\.request)) }
            pending = []
            for (command, status) in zip(commands, statuses) {
                switch status {
                case "STORED":
                    guard let cachalotKey = byMade[command.request.key] else { continue }
                    outcome.written.append(cachalotKey)
                    if command.creates { outcome.created.append(cachalotKey) }
                case "EXISTS", "NOT_FOUND", "NOT_STORED": pending.append(command.request.key)
                default: throw ServerFailure(server: server, description: "server \(options.servers[server].address) refused a table key: \(quoted(status))")
                }
            }
        }
        guard pending.isEmpty else {
            throw ServerFailure(server: server, description: "server \(options.servers[server].address): \(pending.count) table keys kept changing under \(Self.stampAttempts) attempts")
        }
    }

    /// A stored table value as Django's client would decode it.
    private func inspect(_ item: MemcachedConnection.Item) -> StoredTimestamp {
        guard let value = try? codec.decode(flags: item.flags, data: item.data) else {
            return .unreadable(item.data.isEmpty ? "an empty value" : "\(item.data.count) bytes with flags \(item.flags) that are not a number")
        }
        return Self.timestamp(from: value)
    }

    // MARK: reading and writing

    /// The items stored under made keys on one server, in one pipelined write.
    func fetch(_ made: [String], on server: Int, withCas: Bool, limit: Int = 256 << 20) throws -> [String: MemcachedConnection.Item] {
        guard !made.isEmpty else { return [:] }
        let items = try onServer(server) { try $0.items(made, withCas: withCas, limit: limit) }
        return Dictionary(items.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every present key's item, from the servers holding them; a server
    /// that fails fails the read.
    private func fetchAll(_ keys: [String]) throws -> [String: MemcachedConnection.Item] {
        let (items, unread, failures) = try fetchFromLiveServers(keys, making: madeKey)
        guard unread.isEmpty else { throw CachalotError.runtime(failures.joined(separator: "; ")) }
        return items
    }

    /// Every server asked, whatever the others do: what the live ones hold,
    /// and the keys of the servers that failed, with why; `making` turns
    /// the keys given into made keys (cachalot keys, or made keys checked).
    private func fetchFromLiveServers(_ keys: [String], making: (String) throws -> String) throws
        -> (items: [String: MemcachedConnection.Item], unread: Set<String>, failures: [String]) {
        let byMade = Dictionary(try keys.map { (try making($0), $0) }, uniquingKeysWith: { first, _ in first })
        var items: [String: MemcachedConnection.Item] = [:]
        var unread = Set<String>()
        var failures: [String] = []
        for group in placed(Array(byMade.keys), among: Array(options.servers.indices)) {
            do {
                for (made, item) in try fetch(group.keys, on: group.server, withCas: false) {
                    if let key = byMade[made] { items[key] = item }
                }
            } catch let failure as ServerFailure {
                failures.append(failure.description)
                unread.formUnion(group.keys.compactMap { byMade[$0] })
            }
        }
        return (items, unread, failures)
    }

    /// A pool with a dead server throws `PartialReadFailure` with what the
    /// others hold: `watch` keeps following them.
    public func inspectTimestamps(made keys: [String]) throws -> [String: StoredTimestamp] {
        let (items, unread, failures) = try fetchFromLiveServers(keys, making: checked)
        let stored = items.mapValues(inspect)
        guard unread.isEmpty else {
            throw PartialReadFailure(stored: stored, unread: unread, error: .runtime(failures.joined(separator: "; ")))
        }
        return stored
    }

    public func readValues(_ keys: [String]) throws -> [String: PickleValue] {
        try fetchAll(keys).reduce(into: [:]) { result, entry in
            do {
                result[entry.key] = try codec.decode(flags: entry.value.flags, data: entry.value.data)
            } catch {
                throw CachalotError.runtime("the value under \(entry.key) cannot be read: \(error)")
            }
        }
    }

    /// `set` per key, pipelined per server, with Django's expiry rules.
    public func writeValues(_ values: [String: PickleValue], timeout: Double?) throws {
        var encoded: [String: (flags: UInt32, data: [UInt8])] = [:]
        for (key, value) in values { encoded[try madeKey(key)] = try codec.encode(value) }
        let exptime = MemcachedOptions.exptime(timeout, now: now())
        for group in placed(Array(encoded.keys), among: Array(options.servers.indices)) {
            let requests = group.keys.map { MemcachedConnection.StorageRequest(command: .set, key: $0, value: encoded[$0]!, exptime: exptime) }
            do {
                let statuses = try onServer(group.server) { try $0.store(requests) }
                if let refused = zip(group.keys, statuses).first(where: { $0.1 != "STORED" }) {
                    throw CachalotError.runtime("server \(options.servers[group.server].address) did not store \(refused.0) (\(refused.1)); a value over the server's item size limit (memcached -I, 1 MB by default) is refused")
                }
            } catch let failure as ServerFailure {
                throw CachalotError.runtime(failure.description)
            }
        }
    }
}
