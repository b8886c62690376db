import TOMLKit

extension SettingsValue {
    /// Settings nest a few levels (CACHES.default.OPTIONS.x): deeper is hostile.
    static let maximumDepth = JSONReader.maximumDepth

    /// Converts a parsed TOML table. TOML dates and times have no counterpart
    /// in Django settings: they are refused with the key that holds them.
    static func fromTOML(_ table: TOMLTable, path: [String] = []) throws -> SettingsValue {
        guard path.count < maximumDepth else {
            throw SettingsPathError(path: Array(path.prefix(3)) + ["…"], problem: "tables nested deeper than \(maximumDepth) levels")
        }
        var result: [String: SettingsValue] = [:]
        for (key, value) in table {
            result[key] = try fromTOML(value, path: path + [key])
        }
        return .table(result)
    }

    private static func fromTOML(_ value: TOMLValueConvertible, path: [String]) throws -> SettingsValue {
        switch value.type {
        case .bool: return .bool(value.bool ?? false)
        case .int: return .int(value.int ?? 0)
        case .double: return .double(value.double ?? 0)
        case .string: return .string(value.string ?? "")
        case .table:
            guard let table = value.table else { return .table([:]) }
            return try fromTOML(table, path: path)
        case .array:
            guard path.count < maximumDepth else {
                throw SettingsPathError(path: Array(path.prefix(3)) + ["…"], problem: "lists nested deeper than \(maximumDepth) levels")
            }
            guard let array = value.array else { return .array([]) }
            return .array(try array.enumerated().map { index, element in
                try fromTOML(element, path: path + ["\(index)"])
            })
        default:
            throw SettingsPathError(path: path, problem: "dates and times are not settings values; write a string or a number")
        }
    }
}

/// A problem found at a key path while reading a settings document; the
/// loader turns it into a `CachalotError` naming the file and the line.
struct SettingsPathError: Error {
    var path: [String]
    var problem: String
}
