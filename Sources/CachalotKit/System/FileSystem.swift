import Glibc

/// The POSIX file calls cachalot makes, with errors that name the path and
/// say what the system said.
public enum FileSystem {
    /// A failed call: which path, what the system said (errno).
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var code: Int32
        public var action: String

        public init(path: String, code: Int32, action: String) {
            self.path = path
            self.code = code
            self.action = action
        }

        public var reason: String { String(cString: strerror(code)) }
        public var description: String { "cannot \(action) \(path): \(reason)" }
    }

    /// The file's bytes, or nil when it does not exist. A file larger than
    /// `limit` bytes is not read: it throws with EFBIG.
    public static func read(_ path: String, limit: Int = Int.max) throws -> [UInt8]? {
        try readWithStatus(path, limit: limit, keepingAccessTime: false)?.bytes
    }

    /// statvfs's ST_NOATIME and ST_RELATIME on Linux (not exported either).
    public static let mountNoatime: UInt = 1024
    public static let mountRelatime: UInt = 4096

    /// The mount flags of the filesystem holding `path` (0 when unknown).
    public static func mountFlags(_ path: String) -> UInt {
        var info = statvfs()
        return statvfs(path, &info) == 0 ? info.f_flag : 0
    }

    /// Linux's O_NOATIME (octal 01000000), which Glibc's module does not export.
    static let openWithoutAccessTime: Int32 = 0o1000000

    /// The file's bytes and its status from before they were read, or nil
    /// when it does not exist. With `keepingAccessTime`, the read leaves the
    /// access time alone where the kernel lets it (O_NOATIME: the file's
    /// owner or root); `keptAccessTime` says whether it did.
    public static func readWithStatus(_ path: String, limit: Int, keepingAccessTime: Bool) throws
        -> (bytes: [UInt8], status: stat, keptAccessTime: Bool)? {
        var descriptor = keepingAccessTime ? open(path, O_RDONLY | O_CLOEXEC | openWithoutAccessTime) : -1
        let keptAccessTime = descriptor >= 0
        // Only EPERM (not the file's owner) is worth a second open; a file
        // that is not there is not there either way.
        if descriptor < 0, !keepingAccessTime || errno == EPERM { descriptor = open(path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw Failure(path: path, code: errno, action: "read")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Failure(path: path, code: errno, action: "read") }
        return (try readOpen(descriptor, size: Int(info.st_size), path: path, limit: limit), info, keptAccessTime)
    }

    private static func readOpen(_ descriptor: Int32, size: Int, path: String, limit: Int) throws -> [UInt8] {
        guard size <= limit else { throw Failure(path: path, code: EFBIG, action: "read") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: max(4096, min(size + 1, 1 << 20)))
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, code: errno, action: "read")
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else { throw Failure(path: path, code: EFBIG, action: "read") }
            bytes += chunk[..<count]
        }
    }

    /// Everything readable from an open descriptor (standard input), at
    /// most `limit` bytes.
    public static func readAll(descriptor: Int32, limit: Int, name: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(path: name, code: errno, action: "read")
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else { throw Failure(path: name, code: EFBIG, action: "read") }
            bytes += chunk[..<count]
        }
    }

    /// What `stat` says of a path, or nil when nothing is there.
    public static func status(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    public static func isDirectory(_ path: String) -> Bool {
        status(path).map { $0.st_mode & S_IFMT == S_IFDIR } ?? false
    }

    public static func exists(_ path: String) -> Bool { status(path) != nil }

    /// The names in a folder (without `.` and `..`); nil when it does not exist.
    public static func list(_ directory: String) throws -> [String]? {
        guard let handle = opendir(directory) else {
            if errno == ENOENT { return nil }
            throw Failure(path: directory, code: errno, action: "list")
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates `directory` and its missing parents with `mode`, as Python's
    /// `os.makedirs(path, mode, exist_ok=True)`.
    public static func createDirectories(_ directory: String, mode: mode_t) throws {
        if isDirectory(directory) { return }
        let parent = PathText.directory(of: directory)
        if parent != directory && parent != "/" && parent != "." { try createDirectories(parent, mode: mode) }
        if mkdir(directory, mode) != 0 && errno != EEXIST {
            throw Failure(path: directory, code: errno, action: "create the folder")
        }
    }

    /// Replaces `path` with `text` in one step: written to a new file beside
    /// it, flushed, then renamed over it, so a reader never sees half a
    /// file. A symbolic link is followed (the file it names is replaced). A
    /// new file is readable by its owner only (0600: it may hold passwords);
    /// one that exists keeps its owner, group and mode, at most 0640.
    public static func replace(_ path: String, with text: String) throws {
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let path = realpath(path, &resolved) != nil ? resolved.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : path
        let existing = status(path)
        var template = Array((path + ".XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { throw Failure(path: path, code: errno, action: "create a file beside") }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        func failed(_ code: Int32, _ action: String) -> Failure {
            close(descriptor)
            unlink(temporary)
            return Failure(path: path, code: code, action: action)
        }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failed(errno, "write") }
            offset += count
        }
        if let existing, fchown(descriptor, existing.st_uid, existing.st_gid) != 0, existing.st_uid != geteuid() || errno != EPERM {
            throw failed(errno, "keep the owner of")
        }
        let mode = existing.map { $0.st_mode & 0o640 } ?? 0o600
        guard fchmod(descriptor, mode) == 0, fsync(descriptor) == 0 else { throw failed(errno, "write") }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Failure(path: path, code: code, action: "replace")
        }
    }

    /// The process's working directory.
    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
