import Foundation

/// Timestamps as people and scripts read them.
enum TimeFormat {
    /// `datetime.fromtimestamp(t, timezone.utc).isoformat()`.
    static func iso(_ timestamp: Double) -> String {
        var seconds = time_t(timestamp.rounded(.down))
        var micros = Int(((timestamp - Double(seconds)) * 1_000_000).rounded(.toNearestOrEven))
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let base = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1,
                          parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
        return base + (micros == 0 ? "" : String(format: ".%06d", micros)) + "+00:00"
    }

    /// Seconds elapsed, three decimals ("12.345").
    static func age(_ timestamp: Double, now: Double) -> String {
        String(format: "%.3f", now - timestamp)
    }
}
