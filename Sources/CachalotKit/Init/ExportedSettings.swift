/// The settings a site exported (share/export-settings.py), in the order
/// Python wrote them: what `init` writes, and what `init --check` compares
/// the settings file with.
public struct ExportedSettings: Sendable {
    let tree: JSONTree

    /// As the settings loader sees a JSON file.
    public var value: SettingsValue { SettingsValue(tree) }

    /// The file's text: JSON indented by two spaces, as the export script
    /// writes it, ending in a newline.
    public var jsonText: String { Self.json(tree, indent: "") + "\n" }

    /// The same settings with each string of `file` (the settings file as
    /// written, before expansion) that holds a `${VAR}` kept where it
    /// expands to the exported value: re-running `init` keeps the secrets
    /// the user moved out of the file.
    public func keepingPlaceholders(of file: SettingsValue, environment: Environment) -> ExportedSettings {
        ExportedSettings(tree: Self.keeping(tree, file, environment))
    }

    private static func keeping(_ exported: JSONTree, _ file: SettingsValue, _ environment: Environment) -> JSONTree {
        switch (exported, file) {
        case (.string(let value), .string(let written)) where written.contains("${"):
            return (try? EnvironmentExpansion.expand(written, environment: environment)) == value ? .string(written) : exported
        case (.object(let entries), .table(let table)):
            return .object(entries.map { entry in (entry.key, table[entry.key].map { keeping(entry.value, $0, environment) } ?? entry.value) })
        case (.array(let items), .array(let written)):
            return .array(items.enumerated().map { index, item in index < written.count ? keeping(item, written[index], environment) : item })
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
        case .string(let text): return quoted(text)
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { inner + json($0, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let entries):
            guard !entries.isEmpty else { return "{}" }
            return "{\n" + entries.map { inner + quoted($0.key) + ": " + json($0.value, indent: inner) }.joined(separator: ",\n") + "\n\(indent)}"
        }
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.escaping { character in
            switch character {
            case "\"": return "\\\""
            case "\\": return "\\\\"
            case "\n": return "\\n"
            case "\r": return "\\r"
            case "\t": return "\\t"
            default:
                guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1, scalar.value < 0x20 else { return nil }
                return "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            }
        } + "\""
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
