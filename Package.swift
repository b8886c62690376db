// swift-tools-version:6.1
import PackageDescription

/// Every Swift target: a file may only use what its own imports name.
let strictImports: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]

let package = Package(
    name: "cachalot",
    products: [
        .executable(name: "cachalot", targets: ["cachalot"]),
        .library(name: "CachalotKit", targets: ["CachalotKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CHiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "CachalotKit",
            dependencies: [
                "CHiredis",
                "CSQLite",
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictImports
        ),
        .executableTarget(
            name: "cachalot",
            dependencies: ["CachalotKit"],
            swiftSettings: strictImports
        ),
        // Temporary folders, child processes and real servers for the tests.
        .target(
            name: "CachalotTestSupport",
            dependencies: ["CachalotKit"],
            path: "Tests/CachalotTestSupport",
            swiftSettings: strictImports
        ),
        .testTarget(
            name: "CachalotKitTests",
            dependencies: ["CachalotKit"],
            swiftSettings: strictImports
        ),
        .testTarget(
            name: "CachalotCLITests",
            dependencies: ["cachalot", "CachalotKit", "CachalotTestSupport"],
            swiftSettings: strictImports
        ),
        .testTarget(
            name: "CachalotIntegrationTests",
            dependencies: ["CachalotKit", "CachalotTestSupport", "CSQLite"],
            swiftSettings: strictImports
        ),
    ],
    swiftLanguageModes: [.v5]
)
