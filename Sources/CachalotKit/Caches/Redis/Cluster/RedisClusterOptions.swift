/// What reaches valkey-py's ValkeyCluster from a django-valkey 0.4 cluster
/// cache's settings. Its ClusterConnectionFactory passes only each
/// LOCATION URL and OPTIONS BASE_CLIENT_KWARGS (cluster_cache/pool.py,
/// `get_connection`): PASSWORD, SOCKET_TIMEOUT, SOCKET_CONNECT_TIMEOUT and
/// CONNECTION_POOL_KWARGS never reach a server, and cachalot ignores them
/// as the site does. What the URL sets wins over the keywords
/// (ValkeyCluster's `kwargs.update(url_options)`).
struct RedisClusterOptions {
    var password: String?
    var username: String?
    var tls: [String: String]
    var connectTimeout: Double?
    var operationTimeout: Double?
    /// The site reads from every replica too: a stamp counts as written
    /// once all of them have it.
    var readsFromReplicas: Bool

    /// TLS options ValkeyCluster drops (`cleanup_kwargs` keeps only
    /// VALKEY_ALLOWED_KEYS), from the URL as from the keywords: the site
    /// checks no host name and never reads the CA folder, nor does cachalot.
    static let droppedTLSOptions = ["ssl_check_hostname", "ssl_ca_path"]

    /// Keywords that change neither what is written nor where: retries,
    /// health checks, keep-alive, and reading from replicas (a replica's
    /// lag is the same for the site's own writes).
    static let harmlessKeywords = RedisOptions.harmlessClientKeywords.union([
        "read_from_replicas", "require_full_coverage", "cluster_error_retry_attempts", "reinitialize_steps",
    ])
    static let readKeywords: Set<String> = ["password", "username", "socket_timeout", "socket_connect_timeout"]

    init(_ cache: CacheSettings, _ options: SettingsTable) throws {
        if let base = try options.string("BASE_CLIENT_CLASS"), base != "valkey.cluster.ValkeyCluster" {
            throw options.fail("BASE_CLIENT_CLASS", "\(quoted(base)) is Python code that decides how keys reach the cluster, which cachalot cannot run; supported: valkey.cluster.ValkeyCluster")
        }
        let keywords = try options.table("BASE_CLIENT_KWARGS")
        for name in keywords?.entries.keys.sorted() ?? [] where !name.hasPrefix("ssl_")
            && !Self.readKeywords.contains(name) && !Self.harmlessKeywords.contains(name) {
            throw keywords!.fail(name, "changes how ValkeyCluster reaches or writes the cluster in a way cachalot does not reproduce; supported: "
                                 + (Self.readKeywords.union(Self.harmlessKeywords).sorted() + RedisEndpoint.supportedTLSOptions).joined(separator: ", "))
        }
        password = try keywords?.string("password")
        username = try keywords?.string("username")
        tls = try RedisOptions.tlsOptions(keywords).filter { !Self.droppedTLSOptions.contains($0.key) }
        connectTimeout = try keywords?.socketSeconds("socket_connect_timeout")
        operationTimeout = try keywords?.socketSeconds("socket_timeout")
        readsFromReplicas = try keywords?.bool("read_from_replicas") ?? false
        // What 0.4's client does (set_many's version, MSET without expiry) is reproduced; another release is not proven.
        if let version = cache.siteVersions.djangoValkey, version.prefix(2) != [0, 4] {
            throw CachalotError.usage("cache '\(cache.alias)': django-valkey \(version.map(String.init).joined(separator: ".")): cachalot reproduces the cluster backend of django-valkey 0.4 (its set_many writes MSET per slot, without expiry, under the version it is given); another release may write otherwise",
                                      hint: "VERSIONS in the settings file says which django-valkey the site runs (cachalot init records it)")
        }
    }

    /// Each endpoint's TLS as ValkeyCluster sets it up: without what it drops.
    static func withoutDroppedTLS(_ endpoints: [RedisEndpoint]) -> [RedisEndpoint] {
        endpoints.map { endpoint in
            var endpoint = endpoint
            endpoint.tls?.checkHostname = false
            endpoint.tls?.caPath = nil
            return endpoint
        }
    }

    /// ValkeyCluster refuses a URL with a database other than 0 and a
    /// unix socket; the site could not start with them.
    static func checkSeeds(_ endpoints: [RedisEndpoint], cache: CacheSettings) throws {
        for endpoint in endpoints {
            if case .unix = endpoint.address {
                throw CachalotError.usage("cache '\(cache.alias)': LOCATION: \(endpoint.description): a cluster is reached over TCP; ValkeyCluster refuses unix sockets")
            }
            if endpoint.database != 0 {
                throw CachalotError.usage("cache '\(cache.alias)': LOCATION: \(endpoint.description): a cluster has database 0 only; ValkeyCluster refuses another")
            }
        }
    }
}
