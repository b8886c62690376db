/// A cache's KEY_FUNCTION written as text cachalot can compute: literal
/// text, the placeholders `{prefix}`, `{version}`, `{key}` and `{schema}`
/// (the tenant's schema name, as django-tenants reads it from the
/// connection), and `{md5:…}`, `{sha1:…}`, `{sha256:…}` for the hex digest
/// of the UTF-8 of what they enclose (placeholders included). `{{` and
/// `}}` are a literal brace. Django's default is `{prefix}:{version}:{key}`.
public struct KeyTemplate: Equatable, Sendable, CustomStringConvertible {
    public enum Digest: String, CaseIterable, Sendable { case md5, sha1, sha256 }

    indirect enum Part: Equatable, Sendable {
        case literal(String)
        case prefix, version, key, schema
        case digest(Digest, [Part])
    }

    let parts: [Part]
    public let description: String

    /// `{prefix}:{version}:{key}`: `django.core.cache.backends.base.default_key_func`.
    public static let djangoDefault = KeyTemplate(parts: [.prefix, .literal(":"), .version, .literal(":"), .key],
                                                  description: "{prefix}:{version}:{key}")
    /// `{schema}:{prefix}:{version}:{key}`: the tenant packages' `make_key`.
    public static let schemaFirst = KeyTemplate(parts: [.schema, .literal(":")] + djangoDefault.parts,
                                                description: "{schema}:{prefix}:{version}:{key}")

    /// The built-in templates, written as parts (KeyFunctionTests checks
    /// they are what their text parses to).
    private init(parts: [Part], description: String) {
        self.parts = parts
        self.description = description
    }

    /// Reads a template; a problem is thrown as text naming the place.
    public init(_ text: String) throws(KeyTemplateError) {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        parts = try parser.parts(closing: false)
        description = text
        guard contains(.key) else { throw KeyTemplateError("has no {key}: every cache key would be the same") }
    }

    /// True when the made key depends on the tenant's schema.
    public var usesSchema: Bool { contains(.schema) }

    /// The key Django's cache would send for `key` under these settings.
    public func makeKey(_ key: String, prefix: String, version: Int, schema: String?) -> String {
        Self.render(parts, key: key, prefix: prefix, version: version, schema: schema ?? "")
    }

    /// The text every made key starts with, for listing a cache's keys by
    /// pattern: what comes before the first part holding the key (a digest
    /// may hold it), or nil when nothing does.
    public func fixedPrefix(prefix: String, version: Int, schema: String?) -> String? {
        guard let keyIndex = parts.firstIndex(where: { Self.holdsKey($0) }), keyIndex > 0 else { return nil }
        let text = Self.render(Array(parts[..<keyIndex]), key: "", prefix: prefix, version: version, schema: schema ?? "")
        return text.isEmpty ? nil : text
    }

    private static func holdsKey(_ part: Part) -> Bool {
        if part == .key { return true }
        if case .digest(_, let inner) = part { return inner.contains(where: holdsKey) }
        return false
    }

    private func contains(_ wanted: Part) -> Bool {
        func search(_ parts: [Part]) -> Bool {
            parts.contains { part in
                if part == wanted { return true }
                if case .digest(_, let inner) = part { return search(inner) }
                return false
            }
        }
        return search(parts)
    }

    private static func render(_ parts: [Part], key: String, prefix: String, version: Int, schema: String) -> String {
        var text = ""
        for part in parts {
            switch part {
            case .literal(let literal): text += literal
            case .prefix: text += prefix
            case .version: text += String(version)
            case .key: text += key
            case .schema: text += schema
            case .digest(let digest, let inner):
                let enclosed = render(inner, key: key, prefix: prefix, version: version, schema: schema)
                switch digest {
                case .md5: text += Hashing.md5Hex(enclosed)
                case .sha1: text += Hashing.sha1Hex(enclosed)
                case .sha256: text += Hashing.sha256Hex(enclosed)
                }
            }
        }
        return text
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        mutating func parts(closing: Bool) throws(KeyTemplateError) -> [Part] {
            var parts: [Part] = []
            var literal = ""
            func flush() {
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
            }
            while index < scalars.count {
                let scalar = scalars[index]
                let next = index + 1 < scalars.count ? scalars[index + 1] : nil
                if scalar == "}" {
                    // Inside a digest a } closes it, so that nested digests
                    // end in }}}; }} is a literal brace at the top level only.
                    if next == "}", !closing { literal.unicodeScalars.append("}"); index += 2; continue }
                    guard closing else { throw KeyTemplateError("a lone } at character \(index + 1); write }} for a literal brace") }
                    index += 1
                    flush()
                    return parts
                }
                if scalar == "{" {
                    if next == "{" { literal.unicodeScalars.append("{"); index += 2; continue }
                    flush()
                    parts.append(try placeholder())
                    continue
                }
                literal.unicodeScalars.append(scalar)
                index += 1
            }
            guard !closing else { throw KeyTemplateError("a { is never closed") }
            flush()
            return parts
        }

        /// After a `{`: a name and `}`, or a digest name, `:` and a template up to its `}`.
        mutating func placeholder() throws(KeyTemplateError) -> Part {
            let start = index
            index += 1
            var name = ""
            while index < scalars.count, scalars[index] != "}", scalars[index] != ":", scalars[index] != "{" {
                name.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard index < scalars.count else { throw KeyTemplateError("a { is never closed") }
            if scalars[index] == ":" {
                guard let digest = Digest(rawValue: name) else {
                    throw KeyTemplateError("unknown digest \(quoted(name)) at character \(start + 1); accepted: \(Digest.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                index += 1
                return .digest(digest, try parts(closing: true))
            }
            guard scalars[index] == "}" else { throw KeyTemplateError("a { inside a placeholder at character \(index + 1)") }
            index += 1
            switch name {
            case "prefix": return .prefix
            case "version": return .version
            case "key": return .key
            case "schema": return .schema
            default:
                throw KeyTemplateError("unknown placeholder {\(name)} at character \(start + 1); accepted: {prefix}, {version}, {key}, {schema}, {md5:…}, {sha1:…}, {sha256:…}")
            }
        }
    }
}

public struct KeyTemplateError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
