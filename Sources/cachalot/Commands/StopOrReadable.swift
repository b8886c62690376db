import CachalotKit
import Glibc

/// The write end of the pipe SIGINT and SIGTERM write to (a handler may
/// only do async-signal-safe things: one write(2)).
nonisolated(unsafe) private var stopPipeWriteEnd: Int32 = -1

/// Waits, with one poll(), for the first of: SIGINT or SIGTERM, a readable
/// socket, or a timeout. The handlers write a byte to a pipe that poll()
/// watches with the sockets, so the summary is printed by ordinary code.
struct StopOrReadable {
    enum Outcome: Equatable {
        case stop
        case timeout
        case readable(Set<Int32>)
    }

    private let readEnd: Int32

    init() {
        var ends: [Int32] = [-1, -1]
        pipe(&ends)
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
        }
        readEnd = ends[0]
        stopPipeWriteEnd = ends[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(stopPipeWriteEnd, &byte, 1)
        }
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
    }

    /// Waits up to `seconds` (nil: until a signal or a socket).
    func wait(seconds: Double?, sockets: [Int32]) -> Outcome {
        var descriptors = [pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)]
            + sockets.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let until = seconds.map { SystemClock.monotonic() + max($0, 0) }
        while true {
            let left = until.map { Int32(min(max(($0 - SystemClock.monotonic()) * 1000, 0).rounded(.up), 86_400_000)) } ?? -1
            let ready = poll(&descriptors, nfds_t(descriptors.count), left)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { return .timeout }
            if descriptors[0].revents != 0 { return .stop }
            return .readable(Set(descriptors.dropFirst().filter { $0.revents != 0 }.map(\.fd)))
        }
    }
}
