/// `${VAR}` and `${VAR:-default}` in settings strings, so that secrets stay
/// in the environment and out of the file.
enum EnvironmentExpansion {
    struct UnsetVariable: Error { var name: String }
    struct Malformed: Error {}

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
            guard let end = characters[(index + 2)...].firstIndex(of: "}") else { throw Malformed() }
            let body = Array(characters[(index + 2)..<end])
            if let dash = body.indices.first(where: { $0 + 1 < body.count && body[$0] == ":" && body[$0 + 1] == "-" }) {
                let value = environment[String(body[..<dash])] ?? ""
                result += value.isEmpty ? String(body[(dash + 2)...]) : value
            } else {
                let name = String(body)
                guard let value = environment[name] else { throw UnsetVariable(name: name) }
                result += value
            }
            index = end + 1
        }
        return result
    }
}
