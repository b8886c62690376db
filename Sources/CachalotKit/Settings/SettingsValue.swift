/// A settings document after parsing, before typing: the common shape of a
/// TOML table and a JSON object, so both formats share one loader.
public indirect enum SettingsValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([SettingsValue])
    case table([String: SettingsValue])

    /// How the value is named in error messages ("a string", "a table").
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a float"
        case .string: return "a string"
        case .array: return "a list"
        case .table: return "a table"
        }
    }
}

extension SettingsValue {
    /// The value as one text that is the same in every run (tables by
    /// sorted key), for keys derived from settings.
    var canonicalText: String {
        switch self {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .string(let text): return PythonStringRepr.repr(text)
        case .array(let items): return "[" + items.map(\.canonicalText).joined(separator: ",") + "]"
        case .table(let entries):
            return "{" + entries.keys.sorted().map { PythonStringRepr.repr($0) + ":" + entries[$0]!.canonicalText }.joined(separator: ",") + "}"
        }
    }

    /// A JSON settings document: objects become tables (read with 64-bit
    /// integers only, so every integer converts).
    init(_ tree: JSONTree) {
        switch tree {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .integer(let digits): self = .int(Int(digits) ?? 0)
        case .double(let number): self = .double(number)
        case .string(let text): self = .string(text)
        case .array(let items): self = .array(items.map(SettingsValue.init))
        case .object(let entries):
            self = .table(Dictionary(entries.map { ($0.key, SettingsValue($0.value)) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
