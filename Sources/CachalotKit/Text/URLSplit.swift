/// A `scheme://…` URL cut as Python's `urllib.parse.urlsplit` cuts it,
/// which redis-py's `parse_url` uses: the authority ends at the first `/`,
/// `?` or `#`; the user part runs to the authority's last `@`; without
/// brackets the host ends at its first `:`. Cut on UTF-8 bytes, as Python
/// finds these delimiters in code points. `RedisEndpoint` parses with it,
/// and `SecretMasking` hides what it calls a password, so the two cannot
/// disagree on where one is.
struct URLSplit {
    typealias Part = ArraySlice<UInt8>

    let scheme: Part
    /// Between `://` and the last `@` of the authority; nil without `@`.
    let userInfo: Part?
    /// The authority after the user part: `host[:port]` or `[v6][:port]`.
    let hostPort: Part
    let path: Part
    /// After `?`, without it; nil without `?`.
    let query: Part?
    /// After `#`, without it; nil without `#`.
    let fragment: Part?

    init?(_ bytes: [UInt8]) {
        // A plain search: firstRange(of:) (_StringProcessing) cost a Redis run
        // more to set up than everything else URLSplit does.
        let colon = UInt8(ascii: ":"), slash = UInt8(ascii: "/")
        guard let at = bytes.indices.dropLast(2).first(where: { bytes[$0] == colon && bytes[$0 + 1] == slash && bytes[$0 + 2] == slash })
        else { return nil }
        scheme = bytes[..<at]
        let rest: Part
        (rest, fragment) = Self.cut(bytes[(at + 3)...], at: UInt8(ascii: "#"))
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let (beforeAt, afterAt) = Self.cut(authority, at: UInt8(ascii: "@"), last: true)
        (userInfo, hostPort) = afterAt.map { (beforeAt, $0) } ?? (nil, beforeAt)
        (path, query) = Self.cut(rest[authorityEnd...], at: UInt8(ascii: "?"))
    }

    /// `part` before and after its first (or last) `delimiter`; all of it
    /// and nil without one.
    private static func cut(_ part: Part, at delimiter: UInt8, last: Bool = false) -> (Part, Part?) {
        guard let index = last ? part.lastIndex(of: delimiter) : part.firstIndex(of: delimiter) else { return (part, nil) }
        return (part[..<index], part[(index + 1)...])
    }

    /// `.username` and `.password`: the user part cut at its first `:`.
    var user: Part? {
        guard let userInfo else { return nil }
        return userInfo.firstIndex(of: UInt8(ascii: ":")).map { userInfo[..<$0] } ?? userInfo
    }

    var password: Part? {
        guard let userInfo, let colon = userInfo.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return userInfo[(colon + 1)...]
    }

    /// `.hostname` (before lower-casing) and the port's text, nil without
    /// one; an IPv6 host is in brackets.
    var host: Part {
        if let close = bracketClose { return hostPort[(hostPort.startIndex + 1)..<close] }
        return Self.cut(hostPort, at: UInt8(ascii: ":")).0
    }

    var port: Part? {
        let tail = bracketClose.map { hostPort[($0 + 1)...] } ?? hostPort
        guard let port = Self.cut(tail, at: UInt8(ascii: ":")).1, !port.isEmpty else { return nil }
        return port
    }

    /// The `]` of a bracketed host.
    private var bracketClose: Part.Index? {
        hostPort.first == UInt8(ascii: "[") ? hostPort.firstIndex(of: UInt8(ascii: "]")) : nil
    }
}

extension URLSplit {
    /// `parse_qs(query)`: pairs split on `&`, a pair without `=` or with an
    /// empty value dropped, `+` read as a space, names and values
    /// percent-decoded; the first value of a name kept (redis-py reads `[0]`).
    static func queryValues(_ query: Part?) -> [String: String] {
        var values: [String: String] = [:]
        for pair in query?.split(separator: UInt8(ascii: "&")) ?? [] {
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")), equals + 1 < pair.endIndex else { continue }
            let name = formDecoded(pair[..<equals])
            if values[name] == nil { values[name] = formDecoded(pair[(equals + 1)...]) }
        }
        return values
    }

    /// A query name or value as parse_qs reads it: `+` is a space, then %XX.
    static func formDecoded<C: Collection>(_ part: C) -> String where C.Element == UInt8 {
        percentDecoded(part.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 })
    }

    /// `urllib.parse.unquote`: %XX escapes decoded as UTF-8; a malformed
    /// escape is kept as written.
    static func percentDecoded<C: Collection>(_ input: C) -> String where C.Element == UInt8 {
        let input = Array(input)
        var bytes: [UInt8] = []
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
               let high = Base16.value(input[index + 1]), let low = Base16.value(input[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
