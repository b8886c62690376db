import CachalotKit
import Glibc

/// Timestamps as people and scripts read them.
enum TimeFormat {
    /// `datetime.fromtimestamp(t, timezone.utc).isoformat()`.
    static func iso(_ timestamp: Double) -> String {
        guard let (parts, micros) = calendar(timestamp, digits: 6, local: false) else { return PythonFloatRepr.repr(timestamp) }
        let year = String(parts.tm_year + 1900)
        let base = String(repeating: "0", count: max(0, 4 - year.count)) + year
            + "-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        return base + (micros == 0 ? "" : "." + padded(micros, to: 6)) + "+00:00"
    }

    /// This host's local time to the millisecond ("2026-11-28 14:05:02.123"),
    /// for people watching events go by.
    static func local(_ timestamp: Double) -> String {
        guard let (parts, millis) = calendar(timestamp, digits: 3, local: true) else { return PythonFloatRepr.repr(timestamp) }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))."
            + padded(millis, to: 3)
    }

    /// The calendar fields of a time and its fraction of a second in
    /// `digits` decimals (rounded half to even, carried into the seconds);
    /// nil for a time no calendar holds.
    private static func calendar(_ timestamp: Double, digits: Int, local: Bool) -> (tm, Int)? {
        guard representable(timestamp) else { return nil }
        let scale = digits == 3 ? 1_000 : 1_000_000
        var seconds = time_t(timestamp.rounded(.down))
        var fraction = Int(((timestamp - Double(seconds)) * Double(scale)).rounded(.toNearestOrEven))
        if fraction >= scale {
            seconds += 1
            fraction -= scale
        }
        var parts = tm()
        if local { localtime_r(&seconds, &parts) } else { gmtime_r(&seconds, &parts) }
        return (parts, fraction)
    }

    private static func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func padded(_ value: Int, to width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// Whether a stored time is a date at all (years 1–9999, as Python's
    /// datetime): a hostile table key may hold 1e300, which time_t cannot.
    static func representable(_ timestamp: Double) -> Bool {
        timestamp.isFinite && timestamp > -62_135_596_800 && timestamp < 253_402_300_800
    }

    /// Seconds elapsed, three decimals ("12.345").
    static func age(_ timestamp: Double, now: Double) -> String {
        TextFormatting.fixed(now - timestamp, digits: 3)
    }
}
