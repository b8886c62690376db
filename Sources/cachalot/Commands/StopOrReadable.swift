import CachalotKit
import Glibc

/// The write end of the pipe the stop signals write to (a handler may only
/// do async-signal-safe things: one write(2)), and whether one came.
nonisolated(unsafe) private var stopPipeWriteEnd: Int32 = -1
nonisolated(unsafe) private(set) var stopRequested: sig_atomic_t = 0

/// Waits, with one poll(), for the first of: SIGINT, SIGTERM or SIGHUP, a
/// readable socket, standard output closed by its reader, or a timeout.
/// The handlers write a byte to a pipe that poll() watches with the
/// sockets, so the summary is printed by ordinary code. No SA_RESTART: a
/// write blocked on a full pipe returns EINTR, and Console gives it up.
struct StopOrReadable {
    enum Outcome: Equatable {
        case stop
        case timeout
        case readable(Set<Int32>)
    }

    static let signals = [SIGINT, SIGTERM, SIGHUP]

    private let readEnd: Int32

    /// Installs the handlers: from here on a stop signal ends the next wait.
    init() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw CachalotError.runtime("cannot make a pipe for signals: \(String(cString: strerror(errno)))")
        }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
        }
        readEnd = ends[0]
        stopPipeWriteEnd = ends[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            stopRequested = 1
            var byte: UInt8 = 1
            _ = write(stopPipeWriteEnd, &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        for signal in Self.signals { sigaction(signal, &action, nil) }
    }

    /// Waits up to `seconds` (nil: until a signal, a socket or stdout's end).
    func wait(seconds: Double?, sockets: [Int32]) -> Outcome {
        if stopRequested != 0 { return .stop }
        // events 0 on stdout: poll still reports POLLERR once its reader is gone.
        var descriptors = [pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: STDOUT_FILENO, events: 0, revents: 0)]
            + sockets.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let until = seconds.map { SystemClock.monotonic() + max($0, 0) }
        while true {
            let left = until.map { Int32(min(max(($0 - SystemClock.monotonic()) * 1000, 0).rounded(.up), 86_400_000)) } ?? -1
            let ready = poll(&descriptors, nfds_t(descriptors.count), left)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { return .timeout }
            if descriptors[0].revents != 0 || descriptors[1].revents != 0 { return .stop }
            return .readable(Set(descriptors.dropFirst(2).filter { $0.revents != 0 }.map(\.fd)))
        }
    }
}
