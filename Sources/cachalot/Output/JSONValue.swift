import CachalotKit

/// JSON with keys in the order written, so output is stable for scripts
/// and diffs. Numbers print as Python would (shortest round-trip).
indirect enum JSONValue {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func optional(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

    var serialized: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .number(let value): return value.isFinite ? PythonFloatRepr.repr(value) : "null"
        case .string(let value): return jsonStringLiteral(value)
        case .array(let items): return "[" + items.map(\.serialized).joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + members.map { jsonStringLiteral($0.0) + ": " + $0.1.serialized }.joined(separator: ", ") + "}"
        }
    }
}
