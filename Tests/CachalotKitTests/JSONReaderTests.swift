import Testing
@testable import CachalotKit

/// JSONReader's own rules, each against what Python's `json.loads` does
/// (checked with python3 3.11): the reader stands in for it on
/// django-redis's JSON values, PostgreSQL json columns and the settings file.
struct JSONReaderTests {
    static func read(_ text: String, depth: Int = PickleReader.maximumDepth, big: Bool = true) throws -> JSONTree {
        try JSONReader.read(text, maximumDepth: depth, bigIntegers: big)
    }

    /// The failure for `text`, or nil (recorded as an issue) when it reads.
    static func failure(_ text: String, depth: Int = PickleReader.maximumDepth, big: Bool = true,
                        sourceLocation: SourceLocation = #_sourceLocation) -> JSONReader.Failure? {
        do {
            let tree = try read(text, depth: depth, big: big)
            Issue.record("\(text.debugDescription) read as \(tree)", sourceLocation: sourceLocation)
        } catch let failure as JSONReader.Failure {
            return failure
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    // MARK: numbers

    /// json.loads: no fraction and no exponent is an int, of any size; else a float.
    @Test(arguments: [
        ("0", JSONTree.integer("0")), ("-0", .integer("-0")), ("42", .integer("42")), ("-17", .integer("-17")),
        ("123456789012345678901234567890", .integer("123456789012345678901234567890")),
        ("1.5", .double(1.5)), ("-0.0", .double(-0.0)), ("1e3", .double(1000)), ("1E+2", .double(100)),
        ("-1.5e-3", .double(-0.0015)), ("0.1", .double(0.1)), ("1e400", .double(.infinity)), ("-1e400", .double(-.infinity)),
        ("1e-400", .double(0)), ("0e0", .double(0)), ("10.0", .double(10)),
        ("Infinity", .double(.infinity)), ("-Infinity", .double(-.infinity)),
    ] as [(String, JSONTree)])
    func numbers(text: String, value: JSONTree) throws {
        #expect(try Self.read(text) == value)
        #expect(try Self.read("[\(text)]") == .array([value]))
    }

    @Test func negativeZeroKeepsItsSign() throws {
        // Python: json.loads("-0.0") is -0.0 (math.copysign(1, …) == -1); json.loads("-0") is the int 0.
        guard case .double(let zero) = try Self.read("-0.0") else { Issue.record("not a float"); return }
        #expect(zero == 0 && zero.sign == .minus)
        #expect(try PythonValues.jsonLoads(Self.read("-0")) == .int(0))
    }

    @Test func notANumberIsAFloat() throws {
        guard case .double(let value) = try Self.read("NaN") else { Issue.record("not a float"); return }
        #expect(value.isNaN)
    }

    /// Python's json.loads raises on each (its number pattern is
    /// -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?); so must the reader, never
    /// turning one into a value.
    @Test(arguments: ["01", "-01", "00", "012", "1.", "-2.", ".5", "-.5", "1.e3", "1e", "1e+", "1E-", "+1", "--1", "-", "1.5.3",
                      "1e5e5", "1-2", "2.e-3", "0.e1", "1+2", "-+1", "1.0e", "0x1F", "1_000", "- 1", "Inf", "-NaN", "nan", "+Infinity",
                      "infinity", "1ee2", "-00.5", "00.5"])
    func malformedNumbers(text: String) throws {
        #expect(Self.failure(text) != nil)
        #expect(Self.failure("[\(text)]") != nil)
        #expect(Self.failure("{\"a\": \(text)}", big: false) != nil)
    }

    @Test func theMalformedNumberIsNamed() throws {
        let failure = try #require(Self.failure("{\"port\": 012}"))
        #expect(failure.reason == "malformed number 012" && (failure.line, failure.column) == (1, 10), "\(failure)")
    }

    /// Python refuses str → int past sys.int_info.default_max_str_digits (4300).
    @Test func integerDigitsAreBoundedAsInPython() throws {
        let longest = String(repeating: "7", count: JSONReader.pythonIntegerDigits)
        #expect(try Self.read(longest) == .integer(longest))
        #expect(try Self.read("-" + longest) == .integer("-" + longest))
        let failure = try #require(Self.failure(longest + "7"))
        #expect(failure.reason.hasSuffix("is out of range"))
        #expect(try PythonValues.jsonLoads(Self.read("18446744073709551616")) == PythonValues.integer(decimal: "18446744073709551616"))
    }

    /// The settings file is read with 64-bit integers (SettingsValue.int).
    @Test func settingsIntegersAre64Bit() throws {
        #expect(try Self.read("9223372036854775807", big: false) == .integer("9223372036854775807"))
        #expect(try Self.read("-9223372036854775808", big: false) == .integer("-9223372036854775808"))
        for text in ["9223372036854775808", "-9223372036854775809", "[1, 100000000000000000000]"] {
            let failure = try #require(Self.failure(text, big: false))
            #expect(failure.reason.hasPrefix("integer ") && failure.reason.hasSuffix(" is out of range"), "\(failure)")
        }
        // A float may be as large as it likes: it is no integer.
        #expect(try Self.read("1e30", big: false) == .double(1e30))
        #expect(SettingsValue(try Self.read("[-0, 7, 2.5]", big: false)) == .array([.int(0), .int(7), .double(2.5)]))
    }
}
