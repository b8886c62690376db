/// Passwords never reach a message: every LOCATION, URL or connection
/// string shown to a person goes through here first. The delimiters are
/// found in the UTF-8 bytes, as Python finds them in code points: a
/// combining mark after `@` must not hide it.
///
/// Masking hides more than any parser would take as a password, because
/// it runs on text that failed to parse too: a password holding `?` or `/`
/// ends the authority early for urllib (`redis://:pa?ss@host` has the
/// "port" `pa`), and a string LOCATION cut at `,` leaves pieces such as
/// `redis://:pa` and `ss@host`.
public enum SecretMasking {
    /// A settings key whose value is a secret: Django's PASSWORD, redis-py's
    /// and libpq's password, mysqlclient's passwd, ssl_password, ….
    public static func isSecretKey(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return lowered.contains("password") || lowered == "passwd" || lowered.contains("secret")
    }

    /// `url` with everything that may be a password replaced by `***`: in
    /// `URLSplit`'s cut, what follows the first `:` of the user part, a port
    /// that is not a number, any `…password=` query value, and whatever
    /// precedes an `@` outside the authority; text that is no URL at all is
    /// shown only from its last `@` on. `redis://:***@host:6379/0`.
    public static func url(_ url: String) -> String {
        let bytes = Array(url.utf8)
        let star = Array("***".utf8)
        guard let split = URLSplit(bytes) else {
            guard let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return "***" }
            return String(decoding: star + bytes[at...], as: UTF8.self)
        }
        var result = Array(split.scheme) + Array("://".utf8)
        if let userInfo = split.userInfo {
            result += (split.password != nil ? Array(split.user ?? []) + Array(":".utf8) + star : Array(userInfo)) + [UInt8(ascii: "@")]
        }
        var tail = Array(split.path)
        if let query = split.query { tail += [UInt8(ascii: "?")] + maskQuery(Array(query)) }
        if let fragment = split.fragment { tail += [UInt8(ascii: "#")] + fragment }
        // A password holding "/", "?" or "#" spills out of the authority:
        // its head is then the "port", digits or not.
        let spilled = tail.lastIndex(of: UInt8(ascii: "@"))
        if let at = spilled { tail = star + tail[at...] }
        if let port = split.port, spilled != nil || !port.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            result += split.hostPort[..<(port.startIndex - 1)] + [UInt8(ascii: ":")] + star
        } else {
            result += split.hostPort
        }
        return String(decoding: result + tail, as: UTF8.self)
    }

    /// `a=1&password=x` → `a=1&password=***` (any key ending in "password",
    /// read as parse_qs reads names: `pass%77ord` is one).
    private static func maskQuery(_ query: [UInt8]) -> [UInt8] {
        let pairs = query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false).map { pair -> [UInt8] in
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")),
                  URLSplit.formDecoded(pair[..<equals]).lowercased().hasSuffix("password") else { return Array(pair) }
            return Array(pair[...equals]) + Array("***".utf8)
        }
        return Array(pairs.joined(separator: [UInt8(ascii: "&")]))
    }
}
