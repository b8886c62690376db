/// A point in time (monotonic clock) by which a network exchange must end.
public struct Deadline: Sendable {
    public let instant: Double

    public static func after(_ seconds: Double) -> Deadline {
        Deadline(instant: SystemClock.monotonic() + seconds)
    }

    /// Seconds left, never below zero.
    public var remaining: Double { max(0, instant - SystemClock.monotonic()) }

    /// Milliseconds to wait in poll(): at least 1 while time is left, so a
    /// tiny timeout never becomes "wait forever" or a busy loop.
    func pollMilliseconds(operationTimeout: Double?) -> Int32 {
        let left = min(remaining, operationTimeout ?? .infinity)
        guard left > 0 else { return 0 }
        return Int32(min((left * 1000).rounded(.up), 86_400_000))
    }

    public var hasPassed: Bool { SystemClock.monotonic() >= instant }
}
