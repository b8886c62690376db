// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "cachalot",
    products: [
        .executable(name: "cachalot", targets: ["cachalot"]),
        .library(name: "CachalotKit", targets: ["CachalotKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
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
            ]
        ),
        .executableTarget(
            name: "cachalot",
            dependencies: ["CachalotKit"]
        ),
        .testTarget(
            name: "CachalotKitTests",
            dependencies: ["CachalotKit"]
        ),
        .testTarget(
            name: "CachalotCLITests",
            dependencies: ["cachalot"]
        ),
        .testTarget(
            name: "CachalotIntegrationTests",
            dependencies: ["CachalotKit", "CSQLite"]
        ),
    ]
)
