import Testing
@testable import cachalot

/// Times from a cache are outside input: any double must print, never trap.
struct TimeFormatTests {
    @Test func aTimeNoCalendarHoldsPrintsAsItsFloat() {
        #expect(TimeFormat.iso(1e300) == "1e+300")
        #expect(TimeFormat.local(-1e300) == "-1e+300")
        #expect(TimeFormat.iso(.infinity) == "inf")
        #expect(TimeFormat.iso(1_795_863_770.5) == "2026-11-28T11:02:50.500000+00:00")
    }
}
