import Glibc

/// A C library opened with dlopen: the loader behind the table of client
/// libraries (ClientLibrary.swift).
struct DynamicLibrary {
    private let handle: UnsafeMutableRawPointer
    private let soname: String

    /// Opens `soname`, after the `dependencies` it links: dlopen would load
    /// them anyway, and opening them first names a missing one as itself.
    /// A missing library is an error naming the Debian package to install.
    init(soname: String, dependencies: [String] = [], package: String) throws {
        for dependency in dependencies {
            _ = try Self.open(dependency, package: package)
        }
        handle = try Self.open(soname, package: package)
        self.soname = soname
    }

    private static func open(_ soname: String, package: String) throws -> UnsafeMutableRawPointer {
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            throw CachalotError.runtime("cannot load \(soname): \(reason)",
                                        hint: "install the Debian package \(package) (apt-get install \(package))")
        }
        return handle
    }

    /// The function `name`, typed as the caller's `@convention(c)` type (the
    /// shim's `cachalot_<name>_fn`). dlsym also searches the library's
    /// dependencies: libcrypto's functions are found through libssl.
    func function<Function>(_ name: String) throws -> Function {
        guard let pointer = dlsym(handle, name) else {
            throw CachalotError.runtime("\(soname) has no function \(name): the installed version is too old")
        }
        return unsafeBitCast(pointer, to: Function.self)
    }
}
