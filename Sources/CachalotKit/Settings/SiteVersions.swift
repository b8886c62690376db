/// `VERSIONS`: the site's Python, Django, django-cachalot, django-redis and django-valkey,
/// as the README's export command records them. Optional: a package left
/// out is taken to be the newest, but for Python, whose absence keeps
/// django-redis's pickle protocol at 4 (Python 3.8 to 3.13, what most sites
/// run; every Python reads both).
public struct SiteVersions: Sendable, Equatable {
    /// Version numbers as their parts ("3.12.1" → [3, 12, 1]).
    public var python: [Int]?
    public var django: [Int]?
    public var djangoCachalot: [Int]?
    public var djangoRedis: [Int]?
    public var djangoValkey: [Int]?

    public init() {}

    static let keys = ["python", "django", "django-cachalot", "django-redis", "django-valkey"]

    /// The oldest of each the interop matrix proves (README, Compatibility):
    /// older ones may write other bytes, so they are refused, not guessed.
    static let oldestProven: [(key: String, version: [Int])] = [
        ("django", [4, 2]), ("django-cachalot", [2, 6]), ("django-redis", [5, 4]), ("django-valkey", [0, 4]),
    ]

    /// The database servers each Django release supports (its
    /// `features.minimum_database_version`), newest release first.
    static let databaseFloors: [(django: [Int], postgresql: [Int], mariadb: [Int], mysql: [Int])] = [
        ([6, 1], [15], [10, 11], [8, 4]),
        ([6, 0], [14], [10, 6], [8, 0, 11]),
        ([5, 2], [14], [10, 5], [8, 0, 11]),
        ([5, 1], [13], [10, 5], [8, 0, 11]),
        ([4, 2], [12], [10, 4], [8]),
    ]

    /// The oldest server of `engine` ("postgresql", "mariadb", "mysql") the
    /// site's Django supports, and the words that say which Django that is
    /// (without VERSIONS.django: the newest, and said so).
    public func databaseFloor(_ engine: String) -> (version: [Int], django: String) {
        let floors = django.flatMap { django in Self.databaseFloors.first { !django.lexicographicallyPrecedes($0.django) } }
            ?? Self.databaseFloors[0]
        let named = "Django \(floors.django.map(String.init).joined(separator: "."))"
            + (django == nil ? " (the newest: VERSIONS.django is not set)" : "")
        switch engine {
        case "postgresql": return (floors.postgresql, named)
        case "mariadb": return (floors.mariadb, named)
        default: return (floors.mysql, named)
        }
    }

    /// Django before 5.2 connects to MySQL with charset "utf8" (utf8mb3),
    /// 5.2 and later with "utf8mb4", when OPTIONS name none.
    public var mysqlCharset: String {
        django.map { $0.lexicographicallyPrecedes([5, 2]) } == true ? "utf8" : "utf8mb4"
    }

    /// django-redis pickles with `pickle.DEFAULT_PROTOCOL` unless
    /// PICKLE_VERSION says otherwise: 5 from Python 3.14, 4 before.
    public var djangoRedisPickleProtocol: Int {
        guard let python, python.lexicographicallyPrecedes([3, 14]) == false else { return 4 }
        return 5
    }

    /// Reads the table; refuses a version older than the oldest proven.
    static func load(_ table: SettingsTable) throws -> SiteVersions {
        try table.rejectUnknownKeys(keys)
        var versions = SiteVersions()
        func parse(_ key: String) throws -> [Int]? {
            guard let text = try table.string(key) else { return nil }
            // "5.2.1", "2.9.1", "6.0b1": the leading numbers are the version.
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).prefix(3).map { part in
                Int(String(part.prefix { $0.isASCII && $0.isNumber }))
            }
            guard let major = parts.first ?? nil else {
                throw table.fail(key, "expected a version such as \"5.2.1\", found \(quoted(text))")
            }
            return [major] + parts.dropFirst().prefix { $0 != nil }.map { $0! }
        }
        versions.python = try parse("python")
        versions.django = try parse("django")
        versions.djangoCachalot = try parse("django-cachalot")
        versions.djangoRedis = try parse("django-redis")
        versions.djangoValkey = try parse("django-valkey")
        let found: [String: [Int]?] = ["django": versions.django, "django-cachalot": versions.djangoCachalot,
                                       "django-redis": versions.djangoRedis, "django-valkey": versions.djangoValkey]
        for (key, oldest) in oldestProven {
            guard let version = found[key] ?? nil, version.lexicographicallyPrecedes(oldest) else { continue }
            throw table.fail(key, "\(key) \(version.map(String.init).joined(separator: ".")) is older than \(oldest.map(String.init).joined(separator: ".")), the oldest cachalot is proven against (README, Compatibility); its bytes may differ, so cachalot refuses rather than guesses")
        }
        return versions
    }
}
