/// One way a settings file differs from what the site exports, by key
/// path: what `init` shows before it overwrites, and `init --check` exits 1 on.
public struct SettingsDifference: Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// The site has it, the file does not.
        case added = "+"
        /// The file has it, the site no longer does.
        case removed = "-"
        case changed = "~"
    }

    public var kind: Kind
    /// `CACHES.default.KEY_PREFIX`, `MODELS["library.Book"]`.
    public var path: String
    /// The file's value and the site's, shown with secrets hidden.
    public var old: String?
    public var new: String?

    /// "~ CACHES.default.KEY_PREFIX: "a" → "b""
    public var line: String {
        switch kind {
        case .added: return "+ \(path): \(new ?? "")"
        case .removed: return "- \(path): \(old ?? "")"
        case .changed: return "~ \(path): \(old ?? "") → \(new ?? "")"
        }
    }

    /// Every difference from `file` (expanded) to `site`, tables compared
    /// key by key (sorted), anything else as a whole.
    public static func between(file: SettingsValue, site: SettingsValue) -> [SettingsDifference] {
        var found: [SettingsDifference] = []
        compare(file, site, path: "", secret: false, into: &found)
        return found
    }

    private static func compare(_ old: SettingsValue, _ new: SettingsValue, path: String, secret: Bool,
                                into found: inout [SettingsDifference]) {
        guard case .table(let oldTable) = old, case .table(let newTable) = new else {
            if old != new {
                found.append(SettingsDifference(kind: .changed, path: path, old: shown(old, secret: secret), new: shown(new, secret: secret)))
            }
            return
        }
        for key in Set(oldTable.keys).union(newTable.keys).sorted() {
            let child = join(path, key)
            let hidden = secret || SecretMasking.isSecretKey(key)
            switch (oldTable[key], newTable[key]) {
            case let (before?, after?): compare(before, after, path: child, secret: hidden, into: &found)
            case let (nil, after?): found.append(SettingsDifference(kind: .added, path: child, new: shown(after, secret: hidden)))
            case let (before?, nil): found.append(SettingsDifference(kind: .removed, path: child, old: shown(before, secret: hidden)))
            case (nil, nil): break
            }
        }
    }

    static func join(_ path: String, _ key: String) -> String {
        let simple = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        guard simple else { return path + "[\"" + key.escaping { ["\"": "\\\"", "\\": "\\\\"][$0] } + "\"]" }
        return path.isEmpty ? key : path + "." + key
    }

    /// A value as one short line: passwords hidden, URLs masked, long
    /// values cut.
    private static func shown(_ value: SettingsValue, secret: Bool) -> String {
        switch value {
        case .string(let text):
            if secret { return text.isEmpty ? "\"\"" : "(hidden)" }
            return quoted(text.contains("://") ? SecretMasking.url(text) : text, limit: 80)
        case .table(let entries): return "{\(entries.count) \(entries.count == 1 ? "key" : "keys")}"
        case .array(let items): return secret ? "(hidden)" : "[" + items.map { shown($0, secret: false) }.joined(separator: ", ").prefix(80) + "]"
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return "\(number)"
        }
    }
}
