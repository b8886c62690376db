import Glibc
import Testing
@testable import cachalot

/// Times from a cache are outside input: any double must print, never trap.
struct TimeFormatTests {
    @Test func aTimeNoCalendarHoldsPrintsAsItsFloat() {
        #expect(TimeFormat.iso(1e300) == "1e+300")
        #expect(TimeFormat.milliseconds(-1e300, local: true) == "-1e+300")
        #expect(TimeFormat.iso(.infinity) == "inf")
        #expect(TimeFormat.iso(1_795_863_770.5) == "2026-11-28T11:02:50.500000+00:00")
        #expect(TimeFormat.milliseconds(1_795_863_770.5004, local: false) == "2026-11-28T11:02:50.500+00:00")
    }

    /// --local: this host's zone with its offset, as Python's astimezone().
    @Test(.serialized, arguments: [("Asia/Kolkata", "2026-11-28T16:32:50.500000+05:30"), ("America/New_York", "2026-11-28T06:02:50.500000-05:00"),
                      ("UTC", "2026-11-28T11:02:50.500000+00:00"), ("Africa/Monrovia", "2026-11-28T11:02:50.500000+00:00")])
    func localTimesCarryTheirOffset(zone: String, expected: String) {
        setenv("TZ", zone, 1)
        tzset()
        defer { unsetenv("TZ"); tzset() }
        #expect(TimeFormat.iso(1_795_863_770.5, local: true) == expected)
        if zone == "Africa/Monrovia" {
            // Until 1972 Liberia kept -0:44:30, which Python prints in full.
            #expect(TimeFormat.iso(30_000_000, local: true) == "1970-12-14T04:35:30-00:44:30")
        }
    }
}
