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
    /// pylibmc's username and password: every connection authenticates
    /// with SASL and speaks the binary protocol, all a SASL server speaks.
    var sasl: (username: String, password: String)?

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
            try Self.checkPymemcacheOptions(options)
            servers = try cache.locations.map { try Self.pymemcacheServer($0, cache: cache) }
            placement = .rendezvous(nodes: servers.map(\.name))
        default:
            client = .pylibmc
            integerFlags = 4
            let behaviors = try PylibmcBehaviors(options, keyPrefix: cache.keyPrefix)
            pickleProtocol = behaviors.pickleProtocol
            sasl = behaviors.sasl
            var parsed = try cache.locations.map { try Self.pylibmcServer($0, cache: cache) }
            if Set(parsed.map { $0.placement.port == 0 }).count > 1 {
                throw CachalotError.usage("cache '\(cache.alias)': LOCATION mixes unix sockets and TCP servers, which pylibmc refuses (\"can't mix transport types\")")
            }
            if behaviors.sortHosts { parsed = PylibmcBehaviors.sortedLikeLibmemcached(parsed, by: \.placement) }
            servers = parsed.map(\.server)
            placement = .libmemcached(behaviors.placement(over: parsed.map(\.placement)))
        }
        guard !servers.isEmpty else { throw CachalotError.usage("cache '\(cache.alias)': LOCATION names no memcached server") }
    }

    /// pymemcache 4.0.0's HashClient keywords (client/hash.py). Those not
    /// refused below set timeouts, sockets, pooling, retries and error
    /// handling: no effect on which server holds a key or what it holds.
    static let pymemcacheOptions = [
        "hasher", "serde", "serializer", "deserializer", "connect_timeout", "timeout", "no_delay", "socket_module",
        "socket_keepalive", "key_prefix", "max_pool_size", "pool_idle_timeout", "lock_generator", "retry_attempts",
        "retry_timeout", "dead_timeout", "use_pooling", "ignore_exc", "allow_unicode_keys", "default_noreply",
        "encoding", "tls_context",
    ]

    static func checkPymemcacheOptions(_ options: SettingsTable) throws {
        for key in options.entries.keys.sorted() where !pymemcacheOptions.contains(key) {
            throw options.fail(key, "pymemcache's HashClient takes no option \(quoted(key))\(Suggestion.phrase(for: key, in: pymemcacheOptions))")
        }
        for key in ["serde", "serializer", "deserializer", "hasher"] where options.entries[key] != nil {
            throw options.fail(key, "a custom \(key) is Python code that cachalot cannot run")
        }
        if options.entries["tls_context"] != nil {
            throw options.fail("tls_context", "TLS to memcached is not supported yet")
        }
        // b"" is the default; the README's export writes bytes as their repr.
        guard let prefix = try options.string("key_prefix"), prefix != "b''" else { return }
        guard prefix.isEmpty else {
            throw options.fail("key_prefix", "pymemcache's own key prefix is not supported yet; use the cache's KEY_PREFIX")
        }
        // HashClient keeps it as given: check_key_helper's key_prefix + key.encode() is a TypeError.
        throw options.fail("key_prefix", "a text key_prefix (not bytes) makes pymemcache's HashClient raise TypeError on every key, so the site caches nothing; remove it")
    }

    /// pymemcache's normalize_server_spec: `unix:/path` or `/path`, else
    /// `host[:port]` split at the last colon unless it ends in `]`, then
    /// `[` and `]` stripped from a host that starts with `[`; the node name
    /// is `host:port` as written (never resolved) or the path.
    static func pymemcacheServer(_ spec: String, cache: CacheSettings) throws -> Server {
        if spec.hasPrefix("unix:") || spec.hasPrefix("/") {
            let path = spec.hasPrefix("unix:") ? String(spec.dropFirst(5)) : spec
            guard !path.isEmpty else { throw CachalotError.usage("cache '\(cache.alias)': LOCATION \(quoted(spec)) names no socket path") }
            return Server(address: .unix(path: path), name: path)
        }
        var host = Substring(spec), port = defaultPort
        if let colon = spec.lastIndex(of: ":"), !spec.hasSuffix("]") {
            host = spec[..<colon]
            guard let number = decimal(spec[spec.index(after: colon)...]), (1...65535).contains(number) else {
                throw CachalotError.usage("cache '\(cache.alias)': LOCATION \(quoted(spec)): expected host:port with a port from 1 to 65535")
            }
            port = number
        }
        if host.hasPrefix("[") { host = strippingBrackets(host) }
        guard !host.isEmpty else { throw CachalotError.usage("cache '\(cache.alias)': LOCATION \(quoted(spec)) has no host") }
        return Server(address: .tcp(host: String(host), port: port), name: "\(host):\(port)")
    }

    /// Django strips `unix:`, then pylibmc's translate_server_spec reads
    /// `/path` (port 0, weight 1) or `_unpack_addr`: `[v6]`, `[v6]:port…`
    /// (split at the last `]:`), else split at the first colon; a port
    /// holding a colon is `port:weight`.
    static func pylibmcServer(_ spec: String, cache: CacheSettings) throws
        -> (server: Server, placement: LibmemcachedDistribution.Server) {
        let text = spec.hasPrefix("unix:") ? Substring(spec.dropFirst(5)) : Substring(spec)
        if text.hasPrefix("/") {
            return (Server(address: .unix(path: String(text)), name: String(text)), .init(host: String(text), port: 0, weight: 1))
        }
        if text.hasPrefix("udp:") {
            throw CachalotError.usage("cache '\(cache.alias)': LOCATION \(quoted(spec)): UDP is not supported; use TCP")
        }
        let invalid = CachalotError.usage("cache '\(cache.alias)': LOCATION \(quoted(spec)): expected host, host:port or host:port:weight (an IPv6 address in brackets), with a port from 1 to 65535 and a weight from 1 to 65535")
        var host = text, port: Substring?, weight: Substring?
        if text.hasPrefix("[") {
            let inner = text.dropFirst()
            if text.hasSuffix("]") {
                host = inner.dropLast()
            } else {
                guard let split = lastRange(of: "]:", in: inner) else { throw invalid }
                (host, port) = (inner[..<split.lowerBound], inner[split.upperBound...])
            }
        } else if let colon = text.firstIndex(of: ":") {
            (host, port) = (text[..<colon], text[text.index(after: colon)...])
        }
        if let given = port, let colon = given.firstIndex(of: ":") {
            (port, weight) = (given[..<colon], given[given.index(after: colon)...])
        }
        guard !host.isEmpty, let portNumber = port.map(decimal) ?? defaultPort, (1...65535).contains(portNumber),
              let weightNumber = weight.map(decimal) ?? 1, (1...65535).contains(weightNumber) else { throw invalid }
        return (Server(address: .tcp(host: String(host), port: portNumber), name: "\(host):\(portNumber)"),
                .init(host: String(host), port: portNumber, weight: weightNumber))
    }

    /// ASCII digits only: Python's int() also takes spaces, signs and
    /// underscores, which cachalot refuses rather than guess at.
    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 6, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    /// Python's `str.strip("[]")`.
    private static func strippingBrackets(_ text: Substring) -> Substring {
        var result = text
        while let first = result.first, first == "[" || first == "]" { result = result.dropFirst() }
        while let last = result.last, last == "[" || last == "]" { result = result.dropLast() }
        return result
    }

    private static func lastRange(of needle: String, in text: Substring) -> Range<Substring.Index>? {
        var index = text.endIndex
        while index > text.startIndex {
            index = text.index(before: index)
            if text[index...].hasPrefix(needle) { return index..<text.index(index, offsetBy: needle.count) }
        }
        return nil
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
