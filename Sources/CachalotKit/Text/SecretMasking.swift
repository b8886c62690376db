/// Passwords never reach a message: every LOCATION, URL or connection
/// string shown to a person goes through here first. The delimiters are
/// found in the UTF-8 bytes, as Python finds them in code points: a
/// combining mark after `@` must not hide it.
public enum SecretMasking {
    /// `url` with the password of its user part and any `password=` query
    /// value replaced by `***`: `redis://:***@host:6379/0`.
    public static func url(_ url: String) -> String {
        let bytes = Array(url.utf8)
        let scheme = bytes.firstRange(of: Array("://".utf8))
        let authorityStart = scheme.map { $0.upperBound } ?? 0
        let queryStart = bytes[authorityStart...].firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
        var result = Array(bytes[..<authorityStart])
        let beforeQuery = bytes[authorityStart..<queryStart]
        if scheme != nil, let at = beforeQuery.lastIndex(of: UInt8(ascii: "@")) {
            let userInfo = beforeQuery[..<at]
            if let separator = userInfo.firstIndex(of: UInt8(ascii: ":")) {
                result += userInfo[..<separator] + Array(":***".utf8)
            } else {
                result += userInfo
            }
            result += beforeQuery[at...]
        } else {
            result += beforeQuery
        }
        return String(decoding: result + maskQuery(Array(bytes[queryStart...])), as: UTF8.self)
    }

    /// `?a=1&password=x` → `?a=1&password=***` (any key ending in "password").
    private static func maskQuery(_ query: [UInt8]) -> [UInt8] {
        guard query.first == UInt8(ascii: "?") else { return query }
        let pairs = query.dropFirst().split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false).map { pair -> [UInt8] in
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")),
                  String(decoding: pair[..<equals], as: UTF8.self).lowercased().hasSuffix("password") else { return Array(pair) }
            return Array(pair[...equals]) + Array("***".utf8)
        }
        return [UInt8(ascii: "?")] + Array(pairs.joined(separator: [UInt8(ascii: "&")]))
    }
}
