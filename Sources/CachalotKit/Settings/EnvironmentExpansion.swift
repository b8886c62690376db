/// `${VAR}` and `${VAR:-default}` in settings strings, so that secrets stay
/// in the environment and out of the file. A variable's name is letters,
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
        guard text.utf8.contains(UInt8(ascii: "$")) else { return text }
        let characters = Array(text)
        var result = ""
        var index = 0
        while index < characters.count {
            guard characters[index] == "$", index + 1 < characters.count, characters[index + 1] == "{" else {
                result.append(characters[index])
                index += 1
                continue
            }
            guard let end = characters[(index + 2)...].firstIndex(of: "}") else {
                throw Malformed(reason: "unterminated ${", offset: index)
            }
            let body = Array(characters[(index + 2)..<end])
            let dash = body.indices.first { $0 + 1 < body.count && body[$0] == ":" && body[$0 + 1] == "-" }
            let name = String(body[..<(dash ?? body.count)])
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                throw Malformed(reason: name.isEmpty ? "an empty variable name" : "\"\(name.prefix(30))\" is not a variable name", offset: index)
            }
            if let dash {
                let fallback = String(body[(dash + 2)...])
                guard !fallback.contains("$" as Character) else {
                    throw Malformed(reason: "a ${ inside a default is not supported", offset: index)
                }
                let value = environment[name] ?? ""
                result += value.isEmpty ? fallback : value
            } else {
                guard let value = environment[name] else { throw UnsetVariable(name: name) }
                result += value
            }
            index = end + 1
        }
        return result
    }
}
