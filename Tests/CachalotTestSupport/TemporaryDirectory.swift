import CachalotKit
import Glibc

/// A folder under /tmp for one test, removed with everything in it when
/// the last reference goes (Swift Testing makes one suite value per test).
public final class TemporaryDirectory {
    public let path: String

    public init(_ prefix: String = "cachalot-test") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw FileSystem.Failure(path: "/tmp", code: errno, action: "create a temporary folder in")
        }
        path = String(cString: made)
    }

    deinit { Self.remove(path) }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to a file in the folder and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String, mode: mode_t = 0o644) throws -> String {
        let target = file(name)
        let descriptor = open(target, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard descriptor >= 0 else { throw FileSystem.Failure(path: target, code: errno, action: "create") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard bytes.isEmpty || bytes.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            throw FileSystem.Failure(path: target, code: errno, action: "write")
        }
        return target
    }

    /// `rm -rf path`, without following symbolic links.
    public static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in (try? FileSystem.list(path)) ?? [] { remove(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
