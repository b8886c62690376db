/// Typed reads from one table of a settings document. Every failure names
/// the key path, so the loader can point at the file, line and key.
struct SettingsTable {
    let entries: [String: SettingsValue]
    let path: [String]

    init(_ value: SettingsValue, path: [String]) throws {
        guard case .table(let entries) = value else {
            throw SettingsPathError(path: path, problem: "expected a table, found \(value.kindDescription)")
        }
        self.entries = entries
        self.path = path
    }

    func fail(_ key: String, _ problem: String) -> SettingsPathError {
        SettingsPathError(path: path + [key], problem: problem)
    }

    /// Refuses keys outside `known`, suggesting the closest known one.
    func rejectUnknownKeys(_ known: [String]) throws {
        for key in entries.keys.sorted() where !known.contains(key) {
            throw fail(key, "unknown key\(Suggestion.phrase(for: key, in: known)); accepted here: \(known.joined(separator: ", "))")
        }
    }

    func string(_ key: String) throws -> String? {
        switch entries[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        case let other?: throw fail(key, "expected a string, found \(other.kindDescription)")
        }
    }

    func requiredString(_ key: String) throws -> String {
        guard let value = try string(key) else { throw fail(key, "missing; this key is required") }
        return value
    }

    func bool(_ key: String) throws -> Bool? {
        switch entries[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?: throw fail(key, "expected true or false, found \(other.kindDescription)")
        }
    }

    func int(_ key: String) throws -> Int? {
        switch entries[key] {
        case nil, .null?: return nil
        case .int(let value)?: return value
        case let other?: throw fail(key, "expected an integer, found \(other.kindDescription)")
        }
    }

    /// A cache timeout: finite and within a billion seconds either way
    /// (negative expires at once, as in Django); absent or null means None.
    func seconds(_ key: String) throws -> Double? {
        let value: Double
        switch entries[key] {
        case nil, .null?: return nil
        case .int(let number)?: value = Double(number)
        case .double(let number)?: value = number
        case let other?: throw fail(key, "expected a number of seconds (absent or null for no expiry), found \(other.kindDescription)")
        }
        guard value.isFinite, abs(value) <= 1e9 else {
            throw fail(key, "expected a number of seconds up to 1e9 (absent or null for no expiry), found \(PythonFloatRepr.repr(value))")
        }
        return value
    }

    /// A socket timeout in seconds: finite, above 0, at most a day.
    func socketSeconds(_ key: String) throws -> Double? {
        guard let value = try seconds(key) else { return nil }
        guard value > 0, value <= 86_400 else {
            throw fail(key, "expected a number of seconds above 0, at most 86400, found \(PythonFloatRepr.repr(value))")
        }
        return value
    }

    /// A list of strings (a Python list, tuple or set in the Django settings).
    func stringList(_ key: String) throws -> [String]? {
        switch entries[key] {
        case nil, .null?: return nil
        case .array(let items)?:
            return try items.enumerated().map { index, item in
                guard case .string(let text) = item else {
                    throw SettingsPathError(path: path + [key, "\(index)"], problem: "expected a string, found \(item.kindDescription)")
                }
                return text
            }
        case let other?: throw fail(key, "expected a list of strings, found \(other.kindDescription)")
        }
    }

    /// A string, or a list of strings (LOCATION).
    func stringOrList(_ key: String) throws -> [String]? {
        if case .string(let value)? = entries[key] { return [value] }
        return try stringList(key)
    }

    func table(_ key: String) throws -> SettingsTable? {
        switch entries[key] {
        case nil, .null?: return nil
        case let value?: return try SettingsTable(value, path: path + [key])
        }
    }

    func tableEntries(_ key: String) throws -> [String: SettingsValue] {
        try table(key)?.entries ?? [:]
    }
}

/// A problem found at a key path while reading a settings document; the
/// loader turns it into a `CachalotError` naming the file and the line.
struct SettingsPathError: Error {
    var path: [String]
    var problem: String
}
