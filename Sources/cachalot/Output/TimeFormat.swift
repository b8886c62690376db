import CachalotKit
import Glibc

/// Timestamps as people and scripts read them.
enum TimeFormat {
    /// `datetime.fromtimestamp(t, timezone.utc).isoformat()`; with `local`,
    /// `datetime.fromtimestamp(t).astimezone().isoformat()`: this host's
    /// time with its offset. Every time a command prints is one of these
    /// (UTC unless --local), so none is ever without its offset.
    static func iso(_ timestamp: Double, local: Bool = false) -> String {
        guard let (parts, micros) = calendar(timestamp, digits: 6, local: local) else { return PythonFloatRepr.repr(timestamp) }
        return date(parts) + (micros == 0 ? "" : "." + padded(micros, to: 6)) + offset(parts)
    }

    /// To the millisecond, for people watching events go by
    /// ("2026-11-28T14:05:02.123+00:00").
    static func milliseconds(_ timestamp: Double, local: Bool) -> String {
        guard let (parts, millis) = calendar(timestamp, digits: 3, local: local) else { return PythonFloatRepr.repr(timestamp) }
        return date(parts) + "." + padded(millis, to: 3) + offset(parts)
    }

    private static func date(_ parts: tm) -> String {
        let year = String(parts.tm_year + 1900)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year
            + "-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    /// "+00:00", "-05:00", "+05:30", and seconds where the offset has
    /// some, as Python prints it (Monrovia before 1972: "-00:44:30").
    private static func offset(_ parts: tm) -> String {
        let seconds = abs(parts.tm_gmtoff)
        return (parts.tm_gmtoff < 0 ? "-" : "+") + two(Int32(seconds / 3600)) + ":" + two(Int32(seconds / 60 % 60))
            + (seconds % 60 == 0 ? "" : ":" + two(Int32(seconds % 60)))
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
