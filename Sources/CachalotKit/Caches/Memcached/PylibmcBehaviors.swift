/// pylibmc 1.6.3's OPTIONS and behaviors (pylibmc.all_behaviors and
/// all_callbacks), each either without effect on where a key goes and what
/// it holds, modelled exactly, or refused naming it.
///
/// pylibmc's Client sets the binary protocol, then the behaviors in its own
/// table's order (src/_pylibmcmodule.h, PylibMC_behaviors: hash,
/// ketama_hash, ketama, ketama_weighted, distribution, … _sort_hosts …),
/// and only then adds the servers; libmemcached 1.1.4 (behavior.cc,
/// hosts.cc) turns the weighted continuum on when a server of weight above 1
/// is added under a consistent distribution.
struct PylibmcBehaviors {
    /// pylibmc.Client(servers, behaviors=None, binary=False, username=None, password=None).
    static let clientOptions = ["behaviors", "binary", "username", "password"]

    /// Connection, I/O and failure handling: no effect on placement or on
    /// what is stored while every server answers (when one does not,
    /// cachalot fails rather than reroute). `ketama_hash` sets libhashkit's
    /// distribution hash, which libmemcached 1.1.4 never reads. Turned on,
    /// `buffer_requests` and `verify_keys` are refused below when they
    /// make the site's own writes fail.
    static let withoutEffect: Set<String> = [
        "no_block", "tcp_nodelay", "tcp_keepalive", "ketama_hash", "cas", "buffer_requests", "verify_keys",
        "connect_timeout", "send_timeout", "receive_timeout", "auto_eject", "retry_timeout", "_retry_timeout",
        "remove_failed", "failure_limit", "dead_timeout", "_io_msg_watermark", "_io_bytes_watermark",
        "_io_key_prefetch", "_hash_with_prefix_key", "_noreply", "_poll_timeout", "_socket_send_size", "_socket_recv_size",
    ]
    static let modelled: Set<String> = ["hash", "ketama", "ketama_weighted", "distribution", "_sort_hosts", "pickle_protocol", "num_replicas"]
    static let refused: [String: String] = [
        "namespace": "libmemcached's namespace prefixes every key, which cachalot does not reproduce; use the cache's KEY_PREFIX",
    ]

    /// libmemcached's memcached_server_distribution_t, as pylibmc names them.
    enum Distribution: String {
        case modula, consistent, consistentKetama = "consistent ketama", consistentKetamaSpy = "consistent ketama spy",
             consistentWeighted = "consistent weighted"

        var isConsistent: Bool { self != .modula }
    }

    static let refusedDistributions = [
        "random": "places each key on a random server, where no later read finds it",
        "virtual bucket": "needs a bucket table pylibmc cannot set",
        "consistent max": "is not a distribution libmemcached accepts",
    ]

    var distribution = Distribution.modula
    /// libmemcached's `weighted_ketama` flag (160 MD5 points per weight share).
    var weighted = false
    /// The key hash, which also hashes an unweighted continuum's points.
    var hash = MemcachedHashes.Function.default
    var sortHosts = false
    var pickleProtocol = PickleWriter.highestProtocol
    /// username and password: SASL over the binary protocol.
    var sasl: (username: String, password: String)?

    init(_ options: SettingsTable, keyPrefix: String) throws {
        for key in options.entries.keys.sorted() where !Self.clientOptions.contains(key) {
            throw options.fail(key, "pylibmc.Client takes no option \(quoted(key)); it takes \(Self.clientOptions.joined(separator: ", "))")
        }
        let binary = try Self.flag(options, "binary") ?? false
        let username = try options.string("username"), password = try options.string("password")
        if username != nil || password != nil {
            // pylibmc: "SASL requires binary=True" and both names.
            guard binary else { throw options.fail("username", "SASL (username and password) needs binary: true, as pylibmc requires") }
            guard let username, let password else {
                throw options.fail(username == nil ? "username" : "password", "SASL needs both username and password, as pylibmc requires")
            }
            sasl = (username, password)
        }
        guard let behaviors = try options.table("behaviors") else { return }
        for key in behaviors.entries.keys.sorted() {
            if let reason = Self.refused[key] { throw behaviors.fail(key, reason) }
            guard Self.withoutEffect.contains(key) || Self.modelled.contains(key) else {
                let known = (Self.withoutEffect.union(Self.modelled).union(Self.refused.keys)).sorted()
                throw behaviors.fail(key, "pylibmc knows no behavior \(quoted(key))\(Suggestion.phrase(for: key, in: known))")
            }
        }
        for key in Self.withoutEffect where key != "ketama_hash" {
            _ = try Self.flag(behaviors, key)
        }
        if binary, behaviors.entries["verify_keys"] != nil {
            throw behaviors.fail("verify_keys", "libmemcached refuses verify_keys with the binary protocol, so the site's client cannot be made")
        }
        if let name = try behaviors.string("ketama_hash"), MemcachedHashes.Function(rawValue: name) == nil {
            throw behaviors.fail("ketama_hash", "\(quoted(name)) is not supported; supported: \(Self.hashNames)")
        }
        if try Self.flag(behaviors, "buffer_requests") == true {
            throw behaviors.fail("buffer_requests", "pylibmc raises on every write with it (libmemcached answers MEMCACHED_BUFFERED, error 32), so the site stores no stamp; remove it")
        }
        // libmemcached's memcached_key_test (text protocol): every byte isgraph().
        if !binary, try Self.flag(behaviors, "verify_keys") == true, keyPrefix.utf8.contains(where: { !(0x21...0x7e).contains($0) }) {
            throw behaviors.fail("verify_keys", "libmemcached then refuses every key of this KEY_PREFIX (a byte outside printable ASCII), so the site caches nothing")
        }
        if let replicas = try behaviors.int("num_replicas"), replicas != 0 {
            throw behaviors.fail("num_replicas", "libmemcached then also writes each key to the next \(replicas) server(s), which cachalot does not reproduce")
        }
        try apply(behaviors)
        let protocolVersion = try behaviors.int("pickle_protocol") ?? -1
        guard protocolVersion <= PickleWriter.highestProtocol else {
            throw behaviors.fail("pickle_protocol", "\(protocolVersion) is above Python's highest, \(PickleWriter.highestProtocol)")
        }
        pickleProtocol = protocolVersion < 0 ? PickleWriter.highestProtocol : protocolVersion
    }

    static var hashNames: String { MemcachedHashes.Function.allCases.map(\.rawValue).joined(separator: ", ") }

    /// memcached_behavior_set for the behaviors that move keys, in pylibmc's order.
    private mutating func apply(_ behaviors: SettingsTable) throws {
        if let name = try behaviors.string("hash") {
            guard let function = MemcachedHashes.Function(rawValue: name) else {
                throw behaviors.fail("hash", "\(quoted(name)) is not supported; supported: \(Self.hashNames)")
            }
            hash = function
        }
        if let ketama = try Self.flag(behaviors, "ketama") {
            (distribution, weighted) = ketama ? (.consistentKetama, false) : (.modula, weighted)
        }
        if let ketamaWeighted = try Self.flag(behaviors, "ketama_weighted") {
            // Turned off, it turns ketama on; turned on, it makes md5 the key hash.
            (distribution, weighted) = ketamaWeighted ? (.consistentWeighted, true) : (.consistentKetama, false)
            if ketamaWeighted { hash = .md5 }
        }
        if let name = try behaviors.string("distribution") {
            if let reason = Self.refusedDistributions[name] { throw behaviors.fail("distribution", "\(quoted(name)) \(reason)") }
            guard let chosen = Distribution(rawValue: name) else {
                throw behaviors.fail("distribution", "\(quoted(name)) is not a pylibmc distribution; supported: modula, consistent, consistent ketama, consistent ketama spy, consistent weighted")
            }
            distribution = chosen
            switch chosen {
            case .consistent, .consistentKetama: weighted = false
            case .consistentWeighted: weighted = true
            case .modula, .consistentKetamaSpy: break
            }
        }
        sortHosts = try Self.flag(behaviors, "_sort_hosts") ?? false
    }

    /// The distribution once the servers are added (each added with a
    /// weight above 1 under a consistent distribution turns weighting on),
    /// over the servers in libmemcached's order.
    func placement(over servers: [LibmemcachedDistribution.Server]) -> LibmemcachedDistribution {
        let kind: LibmemcachedDistribution.Kind = switch distribution {
        case .modula: .modula
        case .consistentKetamaSpy: .ketamaSpy
        case .consistent, .consistentKetama, .consistentWeighted: .ketama
        }
        let weighted = self.weighted || (distribution.isConsistent && servers.contains { $0.weight > 1 })
        return LibmemcachedDistribution(kind: kind, weighted: weighted, hash: hash, servers: servers)
    }

    /// libmemcached's sort_hosts: strcmp of the host names, then the port.
    static func sortedLikeLibmemcached<T>(_ items: [T], by server: (T) -> LibmemcachedDistribution.Server) -> [T] {
        items.sorted {
            let (a, b) = (server($0), server($1))
            if a.host != b.host { return Array(a.host.utf8).lexicographicallyPrecedes(Array(b.host.utf8)) }
            return a.port < b.port
        }
    }

    /// A behavior pylibmc takes as an int or a bool (it raises TypeError otherwise).
    static func flag(_ table: SettingsTable, _ key: String) throws -> Bool? {
        switch table.entries[key] {
        case nil: return nil
        case .int(let number)?: return number != 0
        case .bool(let value)?: return value
        case let other?: throw table.fail(key, "pylibmc takes an integer or true/false here, found \(other.kindDescription)")
        }
    }
}
