import Testing
@testable import CachalotKit

/// TOMLReader against toml-test's TOML 1.0.0 cases (Tests/data/toml-test,
/// the files its files-toml-1.0.0 lists): every valid document must read
/// to exactly the value of its tagged .json, every invalid one must be
/// refused with a TOMLReader.Failure. Dates and times are not settings
/// values: a valid document holding one must be refused with that reason,
/// and is counted apart, never as read.
struct TOMLTestSuiteTests {
    static let folder = PathText.directory(of: PathText.directory(of: PathText.directory(of: #filePath))) + "/Tests/data/toml-test"

    /// toml-test's types that SettingsValue has no case for.
    static let dateTypes: Set = ["datetime", "datetime-local", "date-local", "time-local"]

    static func listed() throws -> [String] {
        let list = String(decoding: try #require(try FileSystem.read(folder + "/files-toml-1.0.0")), as: UTF8.self)
        return list.split(separator: "\n").map(String.init)
    }

    static func read(_ path: String) throws -> [UInt8] {
        try #require(try FileSystem.read(folder + "/" + path), "\(path) is missing")
    }

    enum Outcome {
        case notUTF8
        case refused(TOMLReader.Failure)
        case read(SettingsValue)
    }

    /// SettingsFile refuses bytes that are not UTF-8 before the reader sees them.
    static func outcome(_ bytes: [UInt8]) -> Outcome {
        guard let text = String(validating: bytes, as: UTF8.self) else { return .notUTF8 }
        do {
            return .read(try TOMLReader.read(text))
        } catch let failure as TOMLReader.Failure {
            return .refused(failure)
        } catch {
            Issue.record("unexpected \(error)")
            return .notUTF8
        }
    }

    /// One form for both sides: tables with sorted keys, floats as bits
    /// (any NaN as one), integers in decimal.
    static func canonical(_ value: SettingsValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return "bool:\(flag)"
        case .int(let number): return "integer:\(number)"
        case .double(let number): return "float:" + (number.isNaN ? "nan" : String(number.bitPattern, radix: 16))
        case .string(let text): return "string:" + text.debugDescription
        case .array(let items): return "[" + items.map(canonical).joined(separator: ", ") + "]"
        case .table(let entries):
            return "{" + entries.sorted { $0.key < $1.key }.map { $0.key.debugDescription + ": " + canonical($0.value) }.joined(separator: ", ") + "}"
        }
    }

    struct DateValue: Error {}

    /// toml-test's tagged JSON ({"type": "integer", "value": "42"} leaves)
    /// in `canonical`'s form; throws DateValue if a leaf is a date or time.
    static func canonical(tagged tree: JSONTree) throws -> String {
        switch tree {
        case .array(let items):
            return "[" + (try items.map { try canonical(tagged: $0) }).joined(separator: ", ") + "]"
        case .object(let entries):
            if entries.count == 2, case .string(let type)? = entries.first(where: { $0.key == "type" })?.value,
               case .string(let text)? = entries.first(where: { $0.key == "value" })?.value {
                switch type {
                case "string": return "string:" + text.debugDescription
                case "integer": return "integer:" + (Int(text).map(String.init) ?? "unreadable \(text)")
                case "bool": return "bool:" + text
                case "float":
                    let negative = text.hasPrefix("-")
                    let magnitude = text.hasPrefix("-") || text.hasPrefix("+") ? String(text.dropFirst()) : text
                    let number: Double? = switch magnitude {
                    case "nan": .nan
                    case "inf": negative ? -.infinity : .infinity
                    default: Double(text)
                    }
                    guard let number else { return "unreadable float \(text)" }
                    return "float:" + (number.isNaN ? "nan" : String(number.bitPattern, radix: 16))
                case let type where dateTypes.contains(type): throw DateValue()
                default: return "unknown type \(type)"
                }
            }
            let sorted = entries.sorted { $0.key < $1.key }
            return "{" + (try sorted.map { $0.key.debugDescription + ": " + (try canonical(tagged: $0.value)) }).joined(separator: ", ") + "}"
        default:
            return "not tagged JSON: \(tree)"
        }
    }

    @Test func theTOML10Suite() throws {
        let files = try Self.listed()
        #expect(files.count == 919, "the vendored list changed")
        var counts: [String: Int] = [:]
        for path in files where path.hasSuffix(".toml") {
            let bytes = try Self.read(path)
            let outcome = Self.outcome(bytes)
            if path.hasPrefix("valid/") {
                let tagged = try JSONReader.read(String(decoding: try Self.read(String(path.dropLast(5)) + ".json"), as: UTF8.self),
                                                 maximumDepth: 1_000, bigIntegers: true)
                let expected: String?
                do { expected = try Self.canonical(tagged: tagged) } catch is DateValue { expected = nil }
                switch (outcome, expected) {
                case (.read(let value), let expected?):
                    #expect(Self.canonical(value) == expected, "\(path)")
                    counts["valid: read", default: 0] += 1
                case (.refused(let failure), nil):
                    // Unsupported by design, and it must say so (not crash, not a wrong value).
                    #expect(failure.reason == "dates and times are not settings values; write a string or a number", "\(path): \(failure)")
                    counts["valid: refused by design (dates and times)", default: 0] += 1
                case (.read(let value), nil):
                    Issue.record("\(path) holds a date or time, yet read as \(Self.canonical(value))")
                case (.refused(let failure), _?):
                    Issue.record("\(path) is valid TOML, refused: \(failure)")
                case (.notUTF8, _):
                    Issue.record("\(path) is valid TOML, refused as not UTF-8")
                }
            } else {
                switch outcome {
                case .notUTF8:
                    counts["invalid: refused before the reader (not UTF-8)", default: 0] += 1
                case .refused(let failure):
                    #expect(failure.line >= 1 && failure.line <= bytes.count { $0 == 0x0a } + 1 && failure.column >= 1, "\(path): \(failure)")
                    #expect(!failure.reason.isEmpty)
                    counts["invalid: refused", default: 0] += 1
                case .read(let value):
                    Issue.record("\(path) is invalid TOML, read as \(Self.canonical(value).prefix(200))")
                }
            }
        }
        print("toml-test 1.0.0: " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        #expect(counts.values.reduce(0, +) == 709, "every .toml file is counted once")
    }
}
