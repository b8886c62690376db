import Testing
@testable import CachalotKit

/// The table of client libraries opened with dlopen (ClientLibrary.swift).
struct ClientLibraryTests {
    /// A function no libpq has: stands for a library too old for cachalot.
    private struct FunctionsFromTheFuture: LibraryFunctions {
        init(_ library: DynamicLibrary) throws {
            let _: @convention(c) () -> Void = try library.function("PQcachalotFromTheFuture")
        }
    }

    @Test func everyLibraryOpensWithEveryFunction() throws {
        _ = try ClientLibrary.libpq.get()
        _ = try ClientLibrary.libmariadb.get()
        _ = try ClientLibrary.openSSL.get()
        _ = try ClientLibrary.liblzma.get()
        _ = try ClientLibrary.liblz4.get()
        _ = try ClientLibrary.libzstd.get()
    }

    @Test func aMissingLibraryNamesThePackageToInstall() {
        let missing = CachalotError.runtime(
            "cannot load libcachalot-missing.so.0: libcachalot-missing.so.0: cannot open shared object file: No such file or directory",
            hint: "install the Debian package cachalot-missing (apt-get install cachalot-missing)")
        #expect(throws: missing) {
            try ClientLibrary.open(LibPQ.self, soname: "libcachalot-missing.so.0", package: "cachalot-missing").get()
        }
        // A missing dependency is named as itself, before the library that needs it.
        #expect(throws: missing) {
            try ClientLibrary.open(OpenSSL.self, soname: "libssl.so.3", dependencies: ["libcachalot-missing.so.0"],
                                   package: "cachalot-missing").get()
        }
    }

    @Test func aTooOldLibraryFailsWhenOpenedNamingTheFunction() {
        #expect(throws: CachalotError.runtime("libpq.so.5 has no function PQcachalotFromTheFuture: the installed version is too old")) {
            try ClientLibrary.open(FunctionsFromTheFuture.self, soname: "libpq.so.5", package: "libpq5").get()
        }
    }
}
