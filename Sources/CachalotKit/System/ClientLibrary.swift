/// The C client libraries cachalot opens with dlopen rather than links, so
/// that a run that never talks to PostgreSQL never pays for loading and
/// relocating libpq, and a machine without it runs everything else
/// (docs/ARCHITECTURE.md, "Client libraries"). One row per library: its
/// soname and any it needs opened first, the Debian package a missing one
/// asks for, and the functions wanted from it. Each opens on first use,
/// once per process; its result, the functions or why not, is kept.
enum ClientLibrary {
    /// What psycopg wraps.
    static let libpq = open(LibPQ.self, soname: "libpq.so.5", package: "libpq5")
    /// What mysqlclient builds on.
    static let libmariadb = open(LibMariaDB.self, soname: "libmariadb.so.3", package: "libmariadb3")
    /// What Python's ssl module uses.
    static let openSSL = open(OpenSSL.self, soname: "libssl.so.3", dependencies: ["libcrypto.so.3"], package: "libssl3")
    /// django-redis's compressors.
    static let liblzma = open(LzmaCompressor.Library.self, soname: "liblzma.so.5", package: "liblzma5")
    static let liblz4 = open(Lz4Compressor.Library.self, soname: "liblz4.so.1", package: "liblz4-1")
    static let libzstd = open(ZstdCompressor.Library.self, soname: "libzstd.so.1", package: "libzstd1")

    /// Opens the library and looks up every one of `Functions`.
    static func open<Functions: LibraryFunctions>(_: Functions.Type, soname: String, dependencies: [String] = [],
                                                  package: String) -> Result<Functions, CachalotError> {
        Result { try Functions(DynamicLibrary(soname: soname, dependencies: dependencies, package: package)) }
            .mapError { CachalotError($0) }
    }
}

/// The functions cachalot calls in one client library, each typed by the
/// shim module's `cachalot_<function>_fn` (from the library's own header)
/// and all looked up when the library opens: one too old fails there,
/// naming the first function it lacks, not halfway through a command.
/// Conformers are `@unchecked Sendable`: their fields are C function
/// pointers, immutable addresses that Swift does not mark Sendable.
protocol LibraryFunctions: Sendable {
    init(_ library: DynamicLibrary) throws
}
