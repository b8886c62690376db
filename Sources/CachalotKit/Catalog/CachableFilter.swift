/// django-cachalot's `filter_cachable`: which tables may hold cache keys.
/// Uncachable tables are dropped; when an allow-list is set, only its tables
/// are kept. The `*_APPS` settings add every table of those apps.
public struct CachableFilter {
    public let onlyCachable: Set<String>
    public let uncachable: Set<String>

    public init(settings: CachalotSettings, catalog: Catalog) {
        func tables(of apps: [String]) -> [String] { apps.flatMap { catalog.tables(ofApp: $0) ?? [] } }
        onlyCachable = Set(settings.onlyCachableTables + tables(of: settings.onlyCachableApps))
        uncachable = Set(settings.uncachableTables + tables(of: settings.uncachableApps))
    }

    public func isCachable(_ table: String) -> Bool {
        !uncachable.contains(table) && (onlyCachable.isEmpty || onlyCachable.contains(table))
    }
}
