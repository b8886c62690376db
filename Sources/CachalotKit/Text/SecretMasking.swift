/// Passwords never reach a message: every LOCATION, URL or connection
/// string shown to a person goes through here first.
public enum SecretMasking {
    /// `url` with the password of its user part and any `password=` query
    /// value replaced by `***`: `redis://:***@host:6379/0`.
    public static func url(_ url: String) -> String {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return maskQuery(url) }
        let authorityStart = url.index(colon, offsetBy: 3)
        let queryStart = url[authorityStart...].firstIndex(of: "?") ?? url.endIndex
        var result = String(url[..<authorityStart])
        let beforeQuery = url[authorityStart..<queryStart]
        if let at = beforeQuery.lastIndex(of: "@") {
            let userInfo = beforeQuery[..<at]
            if let separator = userInfo.firstIndex(of: ":") {
                result += userInfo[..<separator] + ":***"
            } else {
                result += userInfo
            }
            result += beforeQuery[at...]
        } else {
            result += beforeQuery
        }
        return result + maskQuery(String(url[queryStart...]))
    }

    /// `?a=1&password=x` → `?a=1&password=***` (any key ending in "password").
    private static func maskQuery(_ query: String) -> String {
        guard query.hasPrefix("?") || query.contains("=" as Character) else { return query }
        let prefix = query.hasPrefix("?") ? "?" : ""
        let pairs = query.dropFirst(prefix.count).split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].lowercased().hasSuffix("password") else { return String(pair) }
            return parts[0] + "=***"
        }
        return prefix + pairs.joined(separator: "&")
    }
}
