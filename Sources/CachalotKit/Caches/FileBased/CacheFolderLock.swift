import Glibc

/// cachalot's runs on one cache folder take turns: each holds an advisory
/// lock on the folder itself while it reads, compares and writes table
/// keys, so a stamp never replaces a newer one written by a run in between.
/// Django does not take it (it never compares); nothing is created for it.
final class CacheFolderLock {
    private var descriptor: Int32

    /// Waiting longer than this means another run is stuck.
    static let wait = 10.0

    init(_ directory: String) throws {
        descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystem.Failure(path: directory, code: errno, action: "open") }
        let deadline = Deadline.after(Self.wait)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, !deadline.hasPassed else {
                let code = errno == EWOULDBLOCK ? ETIMEDOUT : errno
                close(descriptor)
                descriptor = -1
                throw FileSystem.Failure(path: directory, code: code, action: "lock (another cachalot run holds it)")
            }
            usleep(2_000)
        }
    }

    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
