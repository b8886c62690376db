import Glibc

extension Deadline {
    /// Waits with poll() until `descriptor` is ready for `events`; false
    /// when the deadline (or the per-operation timeout) ran out first.
    /// Sockets owned by client libraries (libpq) are driven the same way.
    public func wait(for descriptor: Int32, events: Int16, operationTimeout: Double? = nil) throws -> Bool {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        while true {
            let milliseconds = pollMilliseconds(operationTimeout: operationTimeout)
            guard milliseconds > 0 else { return false }
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return true }
            if ready == 0 { return false }
            if errno != EINTR { throw NetworkFailure(.io, "poll failed: \(String(cString: strerror(errno)))") }
        }
    }
}
