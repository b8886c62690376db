import Testing
@testable import CachalotKit

/// JSONReader against every file of JSONTestSuite (Tests/data/JSONTestSuite):
/// `y_` must be accepted, `n_` refused, `i_` is the implementation's choice.
/// cachalot's choice is Python's: the reader stands in for `json.loads` on
/// django-redis's JSON values, PostgreSQL json columns and the exported
/// settings file, so each outcome is checked against what Python 3.11's
/// `json.loads` made of the same bytes (python-json-loads.txt, written by
/// python_outcomes.py), value for value, with the deviations below.
struct JSONTestSuiteTests {
    static let folder = PathText.directory(of: PathText.directory(of: PathText.directory(of: #filePath))) + "/Tests/data/JSONTestSuite"

    /// Where the reader knowingly differs from Python, and why. Each is
    /// asserted as written here: the reader must keep doing exactly this.
    static let deviations: [String: (outcome: String, reason: String)] = [
        "i_structure_500_nested_arrays.json": ("reject: nested deeper than 200 levels",
                                               "nesting is bounded (PickleReader.maximumDepth); Python's C scanner allows about 1000"),
    ]

    /// The n_ files Python's json.loads accepts, and so does the reader: the
    /// non-standard constants it writes for float('nan') and float('inf').
    static let pythonExtensions: Set = ["n_number_NaN.json", "n_number_infinity.json", "n_number_minus_infinity.json"]

    /// The settings file is read with 64-bit integers and 64 levels
    /// (SettingsFile): these files, read otherwise, then fail with these
    /// reasons (the number shown is cut at 30 characters).
    static let settingsRefusals: [String: String] = [
        "i_number_too_big_neg_int.json": "integer -12312312312312312312312312312 is out of range",
        "i_number_too_big_pos_int.json": "integer 100000000000000000000 is out of range",
        "i_number_very_big_negative_int.json": "integer -23746237467327689427983274983 is out of range",
        "i_structure_500_nested_arrays.json": "nested deeper than 64 levels",
    ]

    struct Case {
        var name: String
        var bytes: [UInt8]
        var python: String
    }

    static func cases() throws -> [Case] {
        let listing = String(decoding: try #require(try FileSystem.read(folder + "/python-json-loads.txt")), as: UTF8.self)
        var python: [String: String] = [:]
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 1)
            try #require(fields.count == 2, "malformed line \(line.prefix(60))")
            python[String(fields[0])] = String(fields[1])
        }
        let names = try #require(try FileSystem.list(folder + "/test_parsing")).sorted()
        #expect(names.count == 318, "the vendored suite changed: regenerate python-json-loads.txt")
        #expect(Set(names) == Set(python.keys), "python-json-loads.txt does not list exactly the vendored files")
        return try names.map { name in
            Case(name: name, bytes: try #require(try FileSystem.read(folder + "/test_parsing/" + name)), python: python[name] ?? "?")
        }
    }

    /// What a consumer of the reader gets: DjangoJSON.loads and
    /// SettingsFile refuse bytes that are not UTF-8 before reading.
    static func outcome(_ bytes: [UInt8], maximumDepth: Int, bigIntegers: Bool) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { return "not-utf8" }
        do {
            return canonical(try JSONReader.read(text, maximumDepth: maximumDepth, bigIntegers: bigIntegers))
        } catch let failure as JSONReader.Failure {
            return "reject: " + failure.reason
        } catch {
            return "unexpected error \(error)"
        }
    }

    /// python_outcomes.py's form: Python's int("-0") is 0; floats as their bits.
    static func canonical(_ tree: JSONTree) -> String {
        switch tree {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .integer(let digits): return "i:" + (digits == "-0" ? "0" : digits)
        case .double(let number):
            let hex = String(number.bitPattern, radix: 16)
            return "f:" + String(repeating: "0", count: 16 - hex.count) + hex
        case .string(let text): return quoted(text)
        case .array(let items): return "[" + items.map(canonical).joined(separator: ",") + "]"
        case .object(let entries): return "{" + entries.map { quoted($0.key) + ":" + canonical($0.value) }.joined(separator: ",") + "}"
        }
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            if (0x20..<0x7f).contains(scalar.value), scalar != "\"", scalar != "\\" {
                result.unicodeScalars.append(scalar)
            } else {
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return result + "\""
    }

    /// Python's outcome as the reader must reproduce it: a Swift string holds
    /// no lone surrogate, so each (from a lone \uD800–\uDFFF escape) is U+FFFD,
    /// as a UTF-8 decoder would make it; every other character stays.
    static func expected(_ item: Case) -> String {
        if let deviation = deviations[item.name] { return deviation.outcome }
        return item.python.replacing(/\\u\{d[89a-f][0-9a-f]{2}\}/, with: "\\u{fffd}")
    }

    @Test func everyFileReadsAsPythonReadsIt() throws {
        var counts: [String: Int] = [:]
        for item in try Self.cases() {
            let outcome = Self.outcome(item.bytes, maximumDepth: PickleReader.maximumDepth, bigIntegers: true)
            let expected = Self.expected(item)
            // Python's "reject" carries no reason; the reader's must say something.
            if expected == "reject" {
                #expect(outcome.hasPrefix("reject: ") && outcome.count > 10, "\(item.name): Python refuses it, the reader gave \(outcome.prefix(200))")
            } else {
                #expect(outcome == expected, "\(item.name)")
            }
            let verdict = outcome == "not-utf8" ? "not UTF-8" : outcome.hasPrefix("reject") ? "rejected" : "accepted"
            counts["\(item.name.prefix(1)) \(verdict)", default: 0] += 1
            switch item.name.prefix(2) {
            case "y_": #expect(verdict == "accepted", "\(item.name) must be accepted")
            case "n_": #expect(verdict != "accepted" || Self.pythonExtensions.contains(item.name), "\(item.name) must be refused")
            default: break
            }
        }
        print("JSONTestSuite: " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        #expect(counts["y accepted"] == 95 && counts["n accepted"] == Self.pythonExtensions.count)
        #expect(counts.values.reduce(0, +) == 318)
    }

    /// The settings file's reading (64-bit integers, 64 levels) agrees with
    /// the Python-faithful one except where an integer or the nesting is too large.
    @Test func settingsReadingDiffersOnlyInLimits() throws {
        for item in try Self.cases() {
            let settings = Self.outcome(item.bytes, maximumDepth: TOMLReader.maximumDepth, bigIntegers: false)
            let python = Self.outcome(item.bytes, maximumDepth: PickleReader.maximumDepth, bigIntegers: true)
            if let refusal = Self.settingsRefusals[item.name] {
                #expect(settings == "reject: " + refusal, "\(item.name)")
            } else if python.hasPrefix("reject: ") {
                // Refused either way; a deep document may be refused sooner.
                #expect(settings.hasPrefix("reject: "), "\(item.name): \(settings.prefix(200))")
            } else {
                #expect(settings == python, "\(item.name)")
            }
        }
    }

    /// Every refusal names a place inside the document.
    @Test func refusalsNameAPlaceInTheDocument() throws {
        for item in try Self.cases() {
            guard let text = String(validating: item.bytes, as: UTF8.self) else { continue }
            do {
                _ = try JSONReader.read(text, maximumDepth: PickleReader.maximumDepth, bigIntegers: true)
            } catch let failure as JSONReader.Failure {
                let lines = text.utf8.count { $0 == 0x0a } + 1
                #expect(failure.line >= 1 && failure.line <= lines && failure.column >= 1, "\(item.name): \(failure)")
            }
        }
    }
}
