import Glibc

/// A C library opened with dlopen on first use. Client libraries that only
/// some commands need (libpq, libmariadb, libssl, liblzma, liblz4, libzstd) are loaded this way,
/// so a run that never talks to them never pays for loading and relocating
/// them, and a machine without them still runs everything else.
struct DynamicLibrary: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    let soname: String

    /// Opens `soname`; a missing library is an error naming the Debian
    /// package that provides it.
    init(soname: String, package: String) throws {
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            throw CachalotError.runtime("cannot load \(soname): \(reason)",
                                        hint: "install the Debian package \(package) (apt-get install \(package))")
        }
        self.handle = handle
        self.soname = soname
    }

    /// The function `name`, typed as the caller's `@convention(c)` type.
    func function<Function>(_ name: String, as type: Function.Type = Function.self) throws -> Function {
        guard let pointer = dlsym(handle, name) else {
            throw CachalotError.runtime("\(soname) has no function \(name): the installed version is too old")
        }
        return unsafeBitCast(pointer, to: Function.self)
    }
}
