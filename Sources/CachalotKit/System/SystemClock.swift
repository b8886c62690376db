import Glibc

/// This host's wall clock as Python's `time.time()` reads it
/// (CLOCK_REALTIME, nanosecond resolution). Only `Backends` reads it;
/// everything else asks `Backends.now`.
public enum SystemClock {
    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// A clock that only goes forward, for deadlines and progress.
    public static func monotonic() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
