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

extension SettingsValue: Decodable {
    /// Decodes any JSON value; Foundation's decoder keeps booleans and
    /// numbers apart, which JSONSerialization on Linux does not.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([SettingsValue].self) {
            self = .array(value)
        } else {
            self = .table(try container.decode([String: SettingsValue].self))
        }
    }
}
