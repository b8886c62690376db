import Foundation

/// This host's wall clock as Python's `time.time()` reads it
/// (CLOCK_REALTIME, nanosecond resolution).
public enum SystemClock {
    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
