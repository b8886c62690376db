/// The parts of a memcached cache's settings that decide which server
/// holds a key and what goes over the wire, checked once: anything
/// cachalot cannot reproduce is a usage error naming the option.
struct MemcachedOptions {
    enum Client { case pymemcache, pylibmc }

    struct Server {
        var address: NetworkAddress
        /// How the client names the server: pymemcache's node name, or
        /// libmemcached's host (as given) and port.
        var name: String
    }

    var client: Client
    var servers: [Server]
    var placement: MemcachedPlacement
    /// Flags of an int: pymemcache's serde writes 2 (INTEGER), pylibmc 4 (LONG).
    var integerFlags: UInt32
    var pickleProtocol: Int
    /// `--timeout`: connecting, and each exchange with a server.
    var timeout: Double

    static let defaultTimeout = 5.0
    static let defaultPort = 11211

    init(_ cache: CacheSettings, timeoutOverride: Double?) throws {
        do {
            try self.init(cache, options: try SettingsTable(.table(cache.options), path: ["OPTIONS"]), timeout: timeoutOverride ?? Self.defaultTimeout)
        } catch let problem as SettingsPathError {
            throw CachalotError.usage("cache '\(cache.alias)': \(problem.path.joined(separator: ".")): \(problem.problem)")
        }
    }

    private init(_ cache: CacheSettings, options: SettingsTable, timeout: Double) throws {
        self.timeout = timeout
        switch cache.backend {
        case .pyMemcache:
            client = .pymemcache
            integerFlags = 2
            pickleProtocol = PickleWriter.highestProtocol
            for key in ["serde", "serializer", "deserializer", "hasher"] where options.entries[key] != nil {
                throw options.fail(key, "a custom \(key) is Python code that cachalot cannot run")
            }
            if options.entries["tls_context"] != nil {
                throw options.fail("tls_context", "TLS to memcached is not supported yet")
            }
            if let prefix = try options.string("key_prefix"), !prefix.isEmpty {
                throw options.fail("key_prefix", "pymemcache's own key prefix is not supported yet; use the cache's KEY_PREFIX")
            }
            servers = try cache.locations.map { try Self.pymemcacheServer($0, cache: cache) }
            placement = .rendezvous(nodes: servers.map(\.name))
        default:
            client = .pylibmc
            integerFlags = 4
            if try options.string("username") != nil || options.string("password") != nil {
                throw options.fail("username", "SASL authentication (pylibmc username and password) is not supported yet")
            }
            let behaviors = try options.table("behaviors")
            let protocolVersion = try behaviors?.int("pickle_protocol") ?? -1
            guard protocolVersion <= PickleWriter.highestProtocol else {
                throw options.fail("behaviors", "pickle_protocol \(protocolVersion) is above Python's highest, \(PickleWriter.highestProtocol)")
            }
            pickleProtocol = protocolVersion < 0 ? PickleWriter.highestProtocol : protocolVersion
            let parsed = try cache.locations.map { try Self.pylibmcServer($0, cache: cache) }
            servers = parsed.map(\.server)
            placement = .libmemcached(try Self.distribution(behaviors, servers: parsed.map(\.placement), options: options))
        }
        guard !servers.isEmpty else { throw CachalotError.usage("cache '\(cache.alias)': LOCATION names no memcached server") }
    }

    /// pymemcache's normalize_server_spec: `unix:/path` or `/path`, else
    /// `host[:port]` split at the last colon, IPv6 brackets removed; the
    /// node name is `host:port` as written (never resolved) or the path.
    static func pymemcacheServer(_ spec: String, cache: CacheSettings) throws -> Server {
        if spec.hasPrefix("unix:") || spec.hasPrefix("/") {
            let path = spec.hasPrefix("unix:") ? String(spec.dropFirst(5)) : spec
            return Server(address: .unix(path: path), name: path)
        }
        var host = spec, port = defaultPort
        if let colon = spec.lastIndex(of: ":"), !spec.hasSuffix("]") {
            host = String(spec[..<colon])
            guard let number = Int(spec[spec.index(after: colon)...]), (1...65535).contains(number) else {
                throw CachalotError.usage("cache '\(cache.alias)': LOCATION \(quoted(spec)): expected host:port with a port from 1 to 65535")
            }
            port = number
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw CachalotError.usage("cache '\(cache.alias)': LOCATION \(quoted(spec)) has no host") }
        return Server(address: .tcp(host: host, port: port), name: "\(host):\(port)")
    }

    /// Django strips `unix:`, then pylibmc reads `/path`, `host`,
    /// `host:port` or `host:port:weight` (IPv6 in brackets).
    static func pylibmcServer(_ spec: String, cache: CacheSettings) throws
        -> (server: Server, placement: LibmemcachedDistribution.Server) {
        let text = spec.hasPrefix("unix:") ? String(spec.dropFirst(5)) : spec
        if text.hasPrefix("/") {
            return (Server(address: .unix(path: text), name: text), .init(host: text, port: 0, weight: 1))
        }
        if text.hasPrefix("udp:") {
            throw CachalotError.usage("cache '\(cache.alias)': LOCATION \(quoted(spec)): UDP is not supported; use TCP")
        }
        var host = text
        var rest = ""
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            rest = String(text[text.index(after: close)...].drop { $0 == ":" })
        } else if let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            rest = String(text[text.index(after: colon)...])
        }
        let parts = rest.isEmpty ? [] : rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, !host.isEmpty,
              let port = parts.first.map({ Int($0) }) ?? defaultPort, (1...65535).contains(port),
              let weight = parts.count == 2 ? Int(parts[1]) : 1, weight > 0 else {
            throw CachalotError.usage("cache '\(cache.alias)': LOCATION \(quoted(spec)): expected host, host:port or host:port:weight")
        }
        return (Server(address: .tcp(host: host, port: port), name: "\(host):\(port)"), .init(host: host, port: port, weight: weight))
    }

    /// pylibmc applies behaviors in its table's order, not the dict's:
    /// hash, ketama_hash, ketama, ketama_weighted, then distribution.
    static func distribution(_ behaviors: SettingsTable?, servers: [LibmemcachedDistribution.Server],
                             options: SettingsTable) throws -> LibmemcachedDistribution {
        var kind = LibmemcachedDistribution.Kind.modula
        var hash = MemcachedHashes.Function.default
        if let behaviors {
            if let name = try behaviors.string("hash") {
                guard let function = MemcachedHashes.Function(rawValue: name) else {
                    throw behaviors.fail("hash", "\(quoted(name)) is not supported; supported: \(MemcachedHashes.Function.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                hash = function
            }
            if let ketama = try flag(behaviors, "ketama") { kind = ketama ? .consistent : .modula }
            if let weighted = try flag(behaviors, "ketama_weighted"), weighted { kind = .weighted }
            if let name = try behaviors.string("distribution") {
                switch name {
                case "modula": kind = .modula
                case "consistent", "consistent ketama": kind = .consistent
                case "consistent weighted": kind = .weighted
                default:
                    throw behaviors.fail("distribution", "\(quoted(name)) is not supported; supported: modula, consistent, consistent ketama, consistent weighted")
                }
            }
        }
        if kind == .consistent, servers.contains(where: { $0.weight > 1 }) { kind = .weighted }
        return LibmemcachedDistribution(kind: kind, hash: hash, servers: servers)
    }

    /// A behavior given as true/false or 1/0, as pylibmc accepts.
    private static func flag(_ behaviors: SettingsTable, _ key: String) throws -> Bool? {
        if case .int(let number)? = behaviors.entries[key] { return number != 0 }
        return try behaviors.bool(key)
    }

    /// Django's get_backend_timeout: None never expires (0); a timeout that
    /// rounds to 0 expires at once (-1); beyond 30 days it is an absolute time.
    /// (Settings bound timeouts to a billion seconds, so Int() cannot trap.)
    static func exptime(_ timeout: Double?, now: Double) -> Int {
        guard let timeout else { return 0 }
        var seconds = Int(timeout) == 0 ? -1 : timeout
        if seconds > 2_592_000 { seconds += Double(Int(now)) }
        return Int(seconds)
    }
}
