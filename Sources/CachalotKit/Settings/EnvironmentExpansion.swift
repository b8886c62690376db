/// `${VAR}` and `${VAR:-default}` in settings strings, so that secrets stay
/// in the environment and out of the file; `$${` is a literal `${`. A variable's name is letters,
/// digits and `_`, as in the shell; a default is plain text (a `${` inside
/// one is refused rather than taken literally).
enum EnvironmentExpansion {
    struct UnsetVariable: Error { var name: String }
    struct Malformed: Error {
        var reason: String
        /// Where the `${` that is wrong starts, in characters.
        var offset: Int
    }

    static func expand(_ text: String, environment: Environment) throws -> String {
        // The delimiters are ASCII: work on the UTF-8 bytes.
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "$")) else { return text }
        var result: [UInt8] = []
        var index = 0
        func fail(_ reason: String) -> Malformed {
            Malformed(reason: reason, offset: String(decoding: bytes[..<index], as: UTF8.self).count)
        }
        while index < bytes.count {
            if bytes[index...].starts(with: "$${".utf8) {
                result += "${".utf8
                index += 3
                continue
            }
            guard bytes[index] == UInt8(ascii: "$"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "{") else {
                result.append(bytes[index])
                index += 1
                continue
            }
            guard let end = bytes[(index + 2)...].firstIndex(of: UInt8(ascii: "}")) else { throw fail("unterminated ${") }
            let body = bytes[(index + 2)..<end]
            let dash = body.indices.first { $0 + 1 < end && body[$0] == UInt8(ascii: ":") && body[$0 + 1] == UInt8(ascii: "-") }
            let nameBytes = body[..<(dash ?? end)]
            let name = String(decoding: nameBytes, as: UTF8.self)
            guard !nameBytes.isEmpty, nameBytes.allSatisfy(isNameByte) else {
                throw fail(name.isEmpty ? "an empty variable name" : "\(quoted(name, limit: 30)) is not a variable name")
            }
            if let dash {
                let fallback = body[(dash + 2)...]
                guard !fallback.contains(UInt8(ascii: "$")) else { throw fail("a ${ inside a default is not supported") }
                let value = environment[name] ?? ""
                result += value.isEmpty ? Array(fallback) : Array(value.utf8)
            } else {
                guard let value = environment[name] else { throw UnsetVariable(name: name) }
                result += value.utf8
            }
            index = end + 1
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `text` written so that `expand` gives it back: every `${` as `$${`.
    static func escaped(_ text: String) -> String {
        text.contains("${") ? text.replacing("${", with: "$${") : text
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
