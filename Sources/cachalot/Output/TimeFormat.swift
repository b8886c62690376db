import CachalotKit
import Glibc

/// Timestamps as people and scripts read them.
enum TimeFormat {
    /// `datetime.fromtimestamp(t, timezone.utc).isoformat()`.
    static func iso(_ timestamp: Double) -> String {
        guard representable(timestamp) else { return PythonFloatRepr.repr(timestamp) }
        var seconds = time_t(timestamp.rounded(.down))
        var micros = Int(((timestamp - Double(seconds)) * 1_000_000).rounded(.toNearestOrEven))
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = String(parts.tm_year + 1900)
        let base = String(repeating: "0", count: max(0, 4 - year.count)) + year
            + "-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        let fraction = String(micros)
        return base + (micros == 0 ? "" : "." + String(repeating: "0", count: 6 - fraction.count) + fraction) + "+00:00"
    }

    /// This host's local time to the millisecond ("2026-11-28 14:05:02.123"),
    /// for people watching events go by.
    static func local(_ timestamp: Double) -> String {
        guard representable(timestamp) else { return PythonFloatRepr.repr(timestamp) }
        var seconds = time_t(timestamp.rounded(.down))
        var millis = Int(((timestamp - Double(seconds)) * 1000).rounded(.toNearestOrEven))
        if millis >= 1000 {
            seconds += 1
            millis -= 1000
        }
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let milliText = String(millis)
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))."
            + String(repeating: "0", count: 3 - milliText.count) + milliText
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
