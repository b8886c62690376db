/// File paths as text, the few operations settings and caches need.
public enum PathText {
    /// `path` made absolute against `base`, with `.` and `..` resolved and
    /// a leading `~/` taken from `home`.
    public static func absolute(_ path: String, base: String, home: String? = nil) -> String {
        var path = path
        if path == "~" || path.hasPrefix("~/"), let home, !home.isEmpty { path = home + path.dropFirst() }
        return normalized(path.hasPrefix("/") ? path : base + "/" + path)
    }

    /// Resolves `.`, `..` and repeated slashes of an absolute path.
    public static func normalized(_ path: String) -> String {
        var parts: [String] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(String(part))
            }
        }
        // Appended one by one: Array<String>.joined is a generic call that
        // costs its first caller a runtime type lookup (measured at start-up).
        var result = ""
        for part in parts { result += "/" + part }
        return result.isEmpty ? "/" : result
    }

    /// The folder holding `path` ("." for a bare name).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of a path ("x.djcache" of "/a/x.djcache").
    public static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The extension after the last dot of the last component, lower-cased.
    public static func fileExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }
}
