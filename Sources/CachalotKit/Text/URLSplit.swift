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
        guard let separator = bytes.firstRange(of: Array("://".utf8)) else { return nil }
        scheme = bytes[..<separator.lowerBound]
        var rest = bytes[separator.upperBound...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) {
            fragment = rest[(hash + 1)...]
            rest = rest[..<hash]
        } else {
            fragment = nil
        }
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            userInfo = authority[..<at]
            hostPort = authority[(at + 1)...]
        } else {
            userInfo = nil
            hostPort = authority
        }
        let afterAuthority = rest[authorityEnd...]
        if let mark = afterAuthority.firstIndex(of: UInt8(ascii: "?")) {
            path = afterAuthority[..<mark]
            query = afterAuthority[(mark + 1)...]
        } else {
            path = afterAuthority
            query = nil
        }
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

    /// `.hostname` (before lower-casing) and the port's text, nil without one.
    var host: Part {
        if hostPort.first == UInt8(ascii: "["), let close = hostPort.firstIndex(of: UInt8(ascii: "]")) {
            return hostPort[(hostPort.startIndex + 1)..<close]
        }
        return hostPort.firstIndex(of: UInt8(ascii: ":")).map { hostPort[..<$0] } ?? hostPort
    }

    var port: Part? {
        var tail = hostPort
        if hostPort.first == UInt8(ascii: "["), let close = hostPort.firstIndex(of: UInt8(ascii: "]")) {
            tail = hostPort[(close + 1)...]
        }
        guard let colon = tail.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let port = tail[(colon + 1)...]
        return port.isEmpty ? nil : port
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
            func decoded(_ part: Part) -> String {
                percentDecoded(Array(part.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }))
            }
            let name = decoded(pair[..<equals])
            if values[name] == nil { values[name] = decoded(pair[(equals + 1)...]) }
        }
        return values
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
