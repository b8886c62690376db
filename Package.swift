// swift-tools-version:6.1
import PackageDescription

/// Every Swift target: a file may only use what its own imports name.
let strictImports: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]

/// One libFuzzer target per parser of outside input (Fuzz/<name>/).
let fuzzTargets = ["PickleReader", "Settings", "RedisReply", "FileCacheEntry", "Location", "EnvironmentExpansion", "PostgreSQLValue", "MemcachedReply", "RedisValue", "MySQLValue"]
/// The C modules a fuzz target's input is made of (libmariadb's field types).
let fuzzTargetImports: [String: [Target.Dependency]] = ["MySQLValue": ["CMariaDB"]]

let package = Package(
    name: "cachalot",
    products: [
        .executable(name: "cachalot", targets: ["cachalot"]),
        .library(name: "CachalotKit", targets: ["CachalotKit"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Headers only: libpq is loaded with dlopen (ClientLibrary.swift).
        .systemLibrary(
            name: "CPq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Headers only, the libraries loaded with dlopen: django-redis's compressors.
        .systemLibrary(name: "CLzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CLz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
        // Headers only: libmariadb is loaded with dlopen.
        .systemLibrary(name: "CMariaDB", providers: [.apt(["libmariadb-dev"])]),
        // Headers only: libssl and libcrypto are loaded with dlopen.
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "CachalotKit",
            dependencies: [
                "CSQLite",
                "CZlib",
                "CPq",
                "CLzma",
                "CLz4",
                "CZstd",
                "CMariaDB",
                "COpenSSL",
            ],
            swiftSettings: strictImports
        ),
        .executableTarget(
            name: "cachalot",
            dependencies: ["CachalotKit"],
            swiftSettings: strictImports,
            plugins: ["BuildVersion", "EmbedExportScript"]
        ),
        // The version (VERSION) and commit `cachalot --version` prints.
        .plugin(name: "BuildVersion", capability: .buildTool()),
        // share/export-settings.py, which `cachalot init` runs in the site.
        .plugin(name: "EmbedExportScript", capability: .buildTool()),
        // libFuzzer targets (make fuzz); built plainly they replay their corpora.
        .target(
            name: "FuzzSupport",
            dependencies: ["CachalotKit"],
            path: "Fuzz/Support",
            swiftSettings: strictImports
        ),
    ] + fuzzTargets.map { name in
        .executableTarget(
            name: "Fuzz\(name)",
            dependencies: ["CachalotKit", "FuzzSupport"] + (fuzzTargetImports[name] ?? []),
            path: "Fuzz/\(name)",
            swiftSettings: strictImports
        )
    } + [
        // Temporary folders, child processes and real servers for the tests.
        .target(
            name: "CachalotTestSupport",
            dependencies: ["CachalotKit", "CSQLite"],
            path: "Tests/CachalotTestSupport",
            swiftSettings: strictImports
        ),
        .testTarget(
            name: "CachalotKitTests",
            // FuzzSupport: its ReplayStream stands in for a server in protocol tests.
            dependencies: ["CachalotKit", "CMariaDB", "CachalotTestSupport", "FuzzSupport"],
            swiftSettings: strictImports
        ),
        .testTarget(
            name: "CachalotCLITests",
            dependencies: ["cachalot", "CachalotKit", "CachalotTestSupport"],
            swiftSettings: strictImports
        ),
        .testTarget(
            name: "CachalotIntegrationTests",
            dependencies: ["CachalotKit", "CachalotTestSupport"],
            swiftSettings: strictImports
        ),
    ],
    swiftLanguageModes: [.v6]
)
