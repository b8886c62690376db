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

    // MARK: strings

    @Test func escapes() throws {
        #expect(try Self.read(#""\" \\ \/ \b \f \n \r \t""#) == .string("\" \\ / \u{08} \u{0c} \n \r \t"))
        #expect(try Self.read(#""\u00e9\u00E9 \u0000 \u001f \u20AC""#) == .string("éé \u{0} \u{1f} €"))
        #expect(try Self.read("\"é 😀 \u{7f}\"") == .string("é 😀 \u{7f}"))
        #expect(try Self.read(#""""#) == .string(""))
    }

    @Test func surrogatePairsJoin() throws {
        #expect(try Self.read(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try Self.read(#""\uD834\uDD1E""#) == .string("\u{1D11E}"))
        #expect(try Self.read(#""a\ud83d\ude00b\ud83d\ude00""#) == .string("a😀b😀"))
    }

    /// Python keeps a lone surrogate in its str; a Swift String cannot hold
    /// one, so it becomes U+FFFD, and only it: what follows is kept.
    @Test(arguments: [
        (#""\ud800""#, "\u{fffd}"), (#""\udc00""#, "\u{fffd}"), (#""\ud800abc""#, "\u{fffd}abc"),
        (#""\ud888\u1234""#, "\u{fffd}\u{1234}"), (#""\ud800\u0041""#, "\u{fffd}A"), (#""\ud800\n""#, "\u{fffd}\n"),
        (#""\ud800\ud800\udc00""#, "\u{fffd}\u{10000}"), (#""\udd1e\ud834""#, "\u{fffd}\u{fffd}"),
        (#""\ud800\\""#, "\u{fffd}\\"), (#""\ud800\"""#, "\u{fffd}\""),
    ] as [(String, String)])
    func loneSurrogatesBecomeReplacementCharacters(text: String, value: String) throws {
        #expect(try Self.read(text) == .string(value))
    }

    @Test func aBrokenEscapeAfterAHighSurrogateIsRefused() throws {
        #expect(Self.failure(#""\ud800\u12""#)?.reason == "expected four hex digits after \\u")
        #expect(Self.failure(#""\ud800\x""#)?.reason == "unknown escape \\x")
    }

    @Test(arguments: [
        ("\"a\nb\"", "control character in a string (write it as \\u000a)", 1, 3),
        ("\"\t\"", "control character in a string (write it as \\u0009)", 1, 2),
        ("\"\u{0}\"", "control character in a string (write it as \\u0000)", 1, 2),
        (#""\x41""#, "unknown escape \\x", 1, 3),
        (#""\U0041""#, "unknown escape \\U", 1, 3),
        (#""\u12""#, "expected four hex digits after \\u", 1, 4),
        (#""\u+123""#, "expected four hex digits after \\u", 1, 4),
        (#""\u 123""#, "expected four hex digits after \\u", 1, 4),
        (#""\u00g0""#, "expected four hex digits after \\u", 1, 4),
        ("\"open", "unterminated string", 1, 6),
        ("\"open\\", "unterminated string", 1, 7),
        ("'single'", "expected a value", 1, 1),
    ] as [(String, String, Int, Int)])
    func badStrings(text: String, reason: String, line: Int, column: Int) throws {
        let failure = try #require(Self.failure(text))
        #expect(failure.reason == reason && (failure.line, failure.column) == (line, column), "\(failure)")
    }

    // MARK: structure

    /// The limit counts values: with 3 levels, [[[]]] reads, [[[[]]]] and [[[1]]] do not.
    @Test func nestingIsBounded() throws {
        #expect(try Self.read("[[[]]]", depth: 3) == .array([.array([.array([])])]))
        #expect(try Self.read("[[1]]", depth: 3) == .array([.array([.integer("1")])]))
        #expect(try Self.read(#"{"a": {"b": {}}}"#, depth: 3) == .object([("a", .object([("b", .object([]))]))]))
        for text in ["[[[[]]]]", "[[[1]]]", #"{"a": [{"b": 1}]}"#] {
            let failure = try #require(Self.failure(text, depth: 3))
            #expect(failure.reason == "nested deeper than 3 levels", "\(failure)")
        }
        // Deep hostile input fails at the limit, without recursing further.
        let failure = try #require(Self.failure(String(repeating: "[", count: 100_000)))
        #expect((failure.line, failure.column) == (1, PickleReader.maximumDepth + 1), "\(failure)")
    }

    /// Python builds a dict: a repeated key keeps its first place and its last value.
    @Test func repeatedKeysKeepTheLastValue() throws {
        let tree = try Self.read(#"{"a": 1, "b": 2, "a": {"x": 3}, "b": null}"#)
        #expect(tree == .object([("a", .object([("x", .integer("3"))])), ("b", .null)]))
        #expect(SettingsValue(tree) == .table(["a": .table(["x": .int(3)]), "b": .null]))
        #expect(try Self.read(#"{"": 0, "\u0061": 1, "a": 2}"#) == .object([("", .integer("0")), ("a", .integer("2"))]))
    }

    @Test(arguments: [
        ("[1,]", "expected a value", 1, 4), ("{\"a\": 1,}", "expected a key in double quotes", 1, 9), ("[,1]", "expected a value", 1, 2),
        ("[1,,2]", "expected a value", 1, 4), ("[1 2]", "expected ',' or ']'", 1, 4), ("{\"a\" 1}", "expected ':' after the key", 1, 6),
        ("{a: 1}", "expected a key in double quotes", 1, 2), ("{1: 1}", "expected a key in double quotes", 1, 2),
        ("{\"a\": 1 \"b\": 2}", "expected ',' or '}'", 1, 9), ("[1", "expected ',' or ']'", 1, 3), ("{\"a\":", "unexpected end of the document", 1, 6),
        ("", "unexpected end of the document", 1, 1), (" \n\t ", "unexpected end of the document", 2, 3),
        ("{} x", "unexpected text after the document", 1, 4), ("[] []", "unexpected text after the document", 1, 4),
        ("tru", "expected a value", 1, 1), ("True", "expected a value", 1, 1), ("nul", "expected a value", 1, 1),
        ("null x", "unexpected text after the document", 1, 6), ("[1]]", "unexpected text after the document", 1, 4),
        ("]", "expected a value", 1, 1),
    ] as [(String, String, Int, Int)])
    func badStructure(text: String, reason: String, line: Int, column: Int) throws {
        let failure = try #require(Self.failure(text))
        #expect(failure.reason == reason && (failure.line, failure.column) == (line, column), "\(failure)")
    }

    /// JSON's four whitespace characters anywhere between tokens; nothing else.
    @Test func whitespace() throws {
        #expect(try Self.read(" \t\r\n{ \"a\" \n:\r\n [ 1 ,\t2 ] } \n") == .object([("a", .array([.integer("1"), .integer("2")]))]))
        for (space, name) in [("\u{0b}", "vertical tab"), ("\u{0c}", "form feed"), ("\u{a0}", "no-break space"), ("\u{2028}", "line separator")] {
            let failure = try #require(Self.failure("[1,\(space)2]"), "\(name)")
            #expect(failure.reason == "expected a value" && failure.column == 4, "\(name): \(failure)")
        }
    }

    /// json.loads(str) refuses a byte order mark ("Unexpected UTF-8 BOM"); so does the reader.
    @Test func aByteOrderMarkIsRefused() throws {
        let failure = try #require(Self.failure("\u{feff}{}"))
        #expect(failure.reason == "expected a value" && (failure.line, failure.column) == (1, 1))
    }

    @Test func topLevelScalars() throws {
        #expect(try Self.read("true") == .bool(true))
        #expect(try Self.read(" false ") == .bool(false))
        #expect(try Self.read("null") == .null)
        #expect(try Self.read("\"s\"") == .string("s"))
        #expect(try Self.read("7") == .integer("7"))
    }

    /// Line and column count lines and Unicode scalars, from 1.
    @Test func failuresNameLineAndColumn() throws {
        let failure = try #require(Self.failure("{\n  \"é😀\": tru\n}"))
        #expect((failure.line, failure.column, failure.reason) == (2, 9, "expected a value"), "\(failure)")
        let crlf = try #require(Self.failure("[1,\r\n 2,\r\n x]"))
        #expect((crlf.line, crlf.column) == (3, 2), "\(crlf)")
    }

    /// The settings file: a JSON document reads into the same SettingsValue as its TOML twin.
    @Test func settingsDocument() throws {
        let file = SettingsFile(path: "/s.json", format: .json, text: #"""
        {"CACHALOT_TIMEOUT": 300, "ratio": 0.5, "on": true, "none": null,
         "CACHES": {"default": {"LOCATION": ["a", "b"]}}, "CACHES": {"default": {"LOCATION": "c"}}}
        """#)
        #expect(try file.document(environment: [:]) == .table([
            "CACHALOT_TIMEOUT": .int(300), "ratio": .double(0.5), "on": .bool(true), "none": .null,
            "CACHES": .table(["default": .table(["LOCATION": .string("c")])]),
        ]))
    }
}
