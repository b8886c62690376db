import CachalotKit
import Glibc

/// stdout carries results, stderr diagnostics. Writes go straight to the
/// file descriptors: a closed pipe (EPIPE) ends output quietly, as ripgrep
/// does; any other write error (a full disk, a closed descriptor) makes the
/// run exit 1 with one line on stderr.
enum Console {
    /// The first stdout write error other than a closed pipe.
    private nonisolated(unsafe) static var outputFailure: Int32 = 0
    private nonisolated(unsafe) static var outputClosed = false

    /// Started with stdin, stdout or stderr closed, the next file cachalot
    /// opens (a database, a cache file) would take that number, and results
    /// would be written into it. Each closed one is pointed at /dev/null;
    /// a closed stdout is then reported as the error it is.
    static func guardStandardDescriptors() {
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) < 0 {
            let opened = open("/dev/null", descriptor == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if opened >= 0 && opened != descriptor {
                dup2(opened, descriptor)
                close(opened)
            }
            if descriptor == STDOUT_FILENO { outputFailure = EBADF }
        }
    }

    static func out(_ text: String) {
        guard !outputClosed, outputFailure == 0 else { return }
        let status = write(text, to: STDOUT_FILENO)
        if status == EPIPE { outputClosed = true } else if status != 0 { outputFailure = status }
    }

    /// False once stdout is closed or failed: a command that streams stops.
    static var canWrite: Bool { !outputClosed && outputFailure == 0 }

    static func err(_ text: String) { _ = write(text, to: STDERR_FILENO) }

    static func error(_ error: CachalotError) {
        err("cachalot: error: \(error.message)" + (error.hint.map { "\n  hint: \($0)" } ?? ""))
    }

    static func error(_ failure: TargetFailure) { error(CachalotError(failure)) }

    static func warning(_ text: String) { err("cachalot: warning: \(text)") }
    static func note(_ text: String) { err("cachalot: note: \(text)") }

    /// The exit code once everything is written: a failed stdout turns
    /// success into exit 1.
    static func finish(_ code: Int32) -> Int32 {
        guard outputFailure != 0 else { return code }
        err("cachalot: error: cannot write to standard output: \(String(cString: strerror(outputFailure)))")
        return max(code, CachalotError.ExitCode.runtime.rawValue)
    }

    /// Writes all of `text` plus a final newline; 0 or the errno that stopped it.
    private static func write(_ text: String, to descriptor: Int32) -> Int32 {
        var bytes = Array(text.utf8)
        if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                // A stop signal (watch) gives up a write blocked on a full pipe, as a closed one.
                if errno == EINTR { if stopRequested != 0 && descriptor == STDOUT_FILENO { return EPIPE } else { continue } }
                return errno
            }
            offset += written
        }
        return 0
    }

    /// Writes `text` to stderr as it is, without a newline (progress lines).
    static func errRaw(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
