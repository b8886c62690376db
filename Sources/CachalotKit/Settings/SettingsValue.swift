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
