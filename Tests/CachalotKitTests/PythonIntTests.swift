import Testing
@testable import CachalotKit

/// What Python's int(text) answers (checked with CPython 3.11).
struct PythonIntTests {
    @Test(arguments: [
        ("0", PythonInt.Parsed.value(0)), ("12", .value(12)), ("  12\n", .value(12)), ("\t+7\r", .value(7)),
        ("-3", .value(-3)), ("1_000", .value(1000)), ("007", .value(7)),
        ("", .notANumber), ("  ", .notANumber), ("_1", .notANumber), ("1_", .notANumber), ("1__0", .notANumber),
        ("+", .notANumber), ("0x10", .notANumber), ("1.0", .notANumber), ("1 2", .notANumber),
        ("99999999999999999999", .notANumber),  // Python has no limit; cachalot refuses what an Int cannot hold
        ("\u{0661}", .beyondASCII), ("1\u{00a0}", .beyondASCII),
    ])
    func parsesAsPythonDoes(text: String, expected: PythonInt.Parsed) {
        #expect(PythonInt.parse(text) == expected)
    }
}
