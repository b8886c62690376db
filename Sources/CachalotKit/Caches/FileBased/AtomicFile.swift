import Glibc

/// Writes a file the way Django's file cache does: into a temporary file in
/// the same directory (mkstemp, so mode 0600), then renamed over the target,
/// so a reader never sees half a value. With an owner, the file is given to
/// it before it takes its place.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String, in directory: String, owner: FileOwner? = nil) throws {
        var template = Array((directory + "/tmpXXXXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw FileSystem.Failure(path: directory, code: errno, action: "create a temporary file in")
        }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let result = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 && errno == EINTR { continue }
                if result <= 0 { failure = result < 0 ? errno : EIO; return }
                written += result
            }
        }
        if failure == 0, let owner, fchown(descriptor, owner.user, owner.group) != 0 { failure = errno }
        if close(descriptor) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw FileSystem.Failure(path: path, code: failure, action: "write")
        }
    }
}
