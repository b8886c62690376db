import Foundation

/// Writes a file the way Django's file cache does: into a temporary file in
/// the same directory, then renamed over the target, so a reader never sees
/// half a value.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String, in directory: String) throws {
        var template = Array((directory + "/tmpXXXXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw CachalotError.runtime("cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))")
        }
        let temporary = String(cString: template)
        var written = 0
        let ok = bytes.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let result = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result <= 0 { return false }
                written += result
            }
            return true
        }
        let writeError = errno
        close(descriptor)
        guard ok, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(ok ? errno : writeError))
            unlink(temporary)
            throw CachalotError.runtime("cannot write \(path): \(reason)")
        }
    }
}
