/// `${VAR}` and `${VAR:-default}` in settings strings, so that secrets stay
/// in the environment and out of the file.
enum EnvironmentExpansion {
    struct UnsetVariable: Error { var name: String }
    struct Malformed: Error {}

    static func expand(_ text: String, environment: [String: String]) throws -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.firstRange(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { throw Malformed() }
            let body = rest[start.upperBound..<end]
            if let separator = body.firstRange(of: ":-") {
                let name = String(body[..<separator.lowerBound])
                let fallback = String(body[separator.upperBound...])
                let value = environment[name] ?? ""
                result += value.isEmpty ? fallback : value
            } else {
                guard let value = environment[String(body)] else { throw UnsetVariable(name: String(body)) }
                result += value
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }
}
