/// The settings a site exported (share/export-settings.py), in the order
/// Python wrote them: what `init` writes, and what `init --check` compares
/// the settings file with.
public struct ExportedSettings: Sendable {
    /// The site's values.
    let tree: JSONTree
    /// What the file holds: the values with every `${` written `$${` (so
    /// that reading expands them back to themselves), or a `${VAR}` of the
    /// previous file kept in their place.
    let fileTree: JSONTree
    /// Key paths whose `${VAR}` in the previous file no longer expands to
    /// the site's value: the file gets the value itself.
    public let droppedPlaceholders: [String]

    init(tree: JSONTree) {
        self.tree = tree
        var none: [String] = []
        fileTree = Self.keeping(tree, nil, [:], path: "", dropped: &none)
        droppedPlaceholders = []
    }

    private init(tree: JSONTree, fileTree: JSONTree, droppedPlaceholders: [String]) {
        self.tree = tree
        self.fileTree = fileTree
        self.droppedPlaceholders = droppedPlaceholders
    }

    /// As the settings loader sees a JSON file.
    public var value: SettingsValue { SettingsValue(tree) }

    /// The file's text: JSON indented by two spaces, as the export script
    /// writes it, ending in a newline.
    public var jsonText: String { Self.json(fileTree, indent: "") + "\n" }

    /// The same settings with each string of `file` (the settings file as
    /// written, before expansion) that holds a `${VAR}` kept where it
    /// expands to the exported value: re-running `init` keeps the secrets
    /// the user moved out of the file.
    public func keepingPlaceholders(of file: SettingsValue, environment: Environment) -> ExportedSettings {
        var dropped: [String] = []
        let kept = Self.keeping(tree, file, environment, path: "", dropped: &dropped)
        return ExportedSettings(tree: tree, fileTree: kept, droppedPlaceholders: dropped)
    }

    private static func keeping(_ exported: JSONTree, _ file: SettingsValue?, _ environment: Environment, path: String,
                                dropped: inout [String]) -> JSONTree {
        switch (exported, file) {
        case (.string(let value), .string(let written)?) where written.contains("${"):
            if (try? EnvironmentExpansion.expand(written, environment: environment)) == value { return .string(written) }
            dropped.append(path)
            return .string(EnvironmentExpansion.escaped(value))
        case (.string(let value), _):
            return .string(EnvironmentExpansion.escaped(value))
        case (.object(let entries), _):
            var table: [String: SettingsValue] = [:]
            if case .table(let found)? = file { table = found }
            var kept: [(key: String, value: JSONTree)] = []
            for entry in entries {
                kept.append((entry.key, keeping(entry.value, table[entry.key], environment, path: SettingsDifference.join(path, entry.key),
                                                dropped: &dropped)))
            }
            return .object(kept)
        case (.array(let items), _):
            var written: [SettingsValue] = []
            if case .array(let found)? = file { written = found }
            var kept: [JSONTree] = []
            for (index, item) in items.enumerated() {
                kept.append(keeping(item, index < written.count ? written[index] : nil, environment, path: "\(path)[\(index)]", dropped: &dropped))
            }
            return .array(kept)
        default:
            return exported
        }
    }

    private static func json(_ tree: JSONTree, indent: String) -> String {
        let inner = indent + "  "
        switch tree {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .integer(let digits): return digits
        case .double(let number):
            // Python's spellings, which JSONReader reads back.
            if number.isNaN { return "NaN" }
            if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
            return "\(number)"
        case .string(let text): return jsonStringLiteral(text)
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { inner + json($0, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let entries):
            guard !entries.isEmpty else { return "{}" }
            return "{\n" + entries.map { inner + jsonStringLiteral($0.key) + ": " + json($0.value, indent: inner) }.joined(separator: ",\n") + "\n\(indent)}"
        }
    }
}

/// What `init` prints about what it found.
public struct ExportSummary: Sendable {
    /// Alias and BACKEND, in the site's order.
    public var caches: [(alias: String, backend: String)]
    /// Alias and ENGINE, in the site's order.
    public var databases: [(alias: String, engine: String)]
    public var models: Int
    /// Name and version (python, django, django-cachalot, django-redis).
    public var versions: [(name: String, version: String)]
}

extension ExportedSettings {
    public var summary: ExportSummary {
        func entries(_ key: String) -> [(key: String, value: JSONTree)] {
            guard case .object(let root) = tree, let found = root.last(where: { $0.key == key }), case .object(let entries) = found.value else { return [] }
            return entries
        }
        func text(_ tree: JSONTree, _ key: String) -> String {
            guard case .object(let entries) = tree, let found = entries.last(where: { $0.key == key }), case .string(let text) = found.value else { return "?" }
            return text
        }
        return ExportSummary(
            caches: entries("CACHES").map { ($0.key, text($0.value, "BACKEND")) },
            databases: entries("DATABASES").map { ($0.key, text($0.value, "ENGINE")) },
            models: entries("MODELS").count,
            versions: entries("VERSIONS").compactMap { entry in
                guard case .string(let version) = entry.value else { return nil }
                return (entry.key, version)
            })
    }
}
