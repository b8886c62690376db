import Glibc

/// Finds the settings file and turns its text into a `SettingsValue`
/// document, with `${VAR}` expanded: the format-specific half of loading.
public struct SettingsFile {
    public enum Format: String, Sendable { case toml, json }

    public let path: String
    public let format: Format
    let text: String

    /// Where to look, in order: `--settings`, `$CACHALOT_SETTINGS`,
    /// `./cachalot.toml`, `./cachalot.json`.
    public static func locate(explicit: String?, environment: Environment,
                              currentDirectory: String) throws -> String {
        if let explicit { return explicit }
        if let fromEnvironment = environment["CACHALOT_SETTINGS"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        let candidates = ["cachalot.toml", "cachalot.json"].map { currentDirectory + "/" + $0 }
        if let found = candidates.first(where: FileSystem.exists) {
            return found
        }
        throw CachalotError.usage(
            "no settings file: looked for --settings, $CACHALOT_SETTINGS, \(candidates.joined(separator: ", "))",
            hint: "write cachalot.toml by hand or export cachalot.json from the Django project (see README or man cachalot)")
    }

    /// A settings file is small: anything larger is not one.
    static let sizeLimit = 16 << 20

    public init(path: String) throws {
        guard let format = Format(rawValue: PathText.fileExtension(path)) else {
            throw CachalotError.usage("\(path): unknown settings format; accepted: a .toml or .json file")
        }
        let bytes: [UInt8]
        do {
            guard let read = try FileSystem.read(path, limit: Self.sizeLimit) else {
                throw CachalotError.usage("\(path): no such settings file")
            }
            bytes = read
        } catch let failure as FileSystem.Failure {
            throw CachalotError.usage("\(path): cannot read the settings file: \(failure.code == EFBIG ? "larger than 16 MiB" : failure.reason)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CachalotError.usage("\(path): the settings file is not UTF-8 text")
        }
        self.init(path: path, format: format, text: text)
    }

    public init(path: String, format: Format, text: String) {
        self.path = path
        self.format = format
        self.text = text
    }

    /// The parsed document with environment variables expanded.
    func document(environment: Environment) throws -> SettingsValue {
        let raw = try parsed()
        // Most files hold no ${VAR} and no \u0000: then nothing needs to be rebuilt.
        guard text.utf8.contains(UInt8(ascii: "$")) || text.utf8.contains(UInt8(ascii: "\\")) else { return raw }
        return try expand(raw, path: [], environment: environment)
    }

    /// The parsed document as written, `${VAR}` unexpanded.
    func parsed() throws -> SettingsValue {
        let bytes = Array(text.utf8)
        if let nul = bytes.firstIndex(of: 0) { throw nulError(bytes, at: nul, "a NUL character; a settings file is text") }
        let raw: SettingsValue
        switch format {
        case .toml:
            do {
                raw = try TOMLReader.read(text)
            } catch let error as TOMLReader.Failure {
                throw CachalotError.usage("\(path):\(error.line):\(error.column): invalid TOML: \(error.reason)")
            }
        case .json:
            do {
                raw = SettingsValue(try JSONReader.read(text, maximumDepth: TOMLReader.maximumDepth))
            } catch let error as JSONReader.Failure {
                throw CachalotError.usage("\(path):\(error.line):\(error.column): invalid JSON: \(error.reason)")
            }
        }
        return raw
    }

    private func nulError(_ bytes: [UInt8], at offset: Int, _ problem: String) -> CachalotError {
        let before = bytes[..<offset]
        let line = before.filter { $0 == 0x0a }.count + 1
        let column = offset - (before.lastIndex(of: 0x0a).map { $0 + 1 } ?? 0) + 1
        return .usage("\(path):\(line):\(column): \(problem)")
    }

    private func expand(_ value: SettingsValue, path: [String], environment: Environment) throws -> SettingsValue {
        switch value {
        case .string(let text):
            guard !text.utf8.contains(0) else {
                throw SettingsPathError(path: path, problem: "a NUL character (\\u0000) in a string; no path, address or name holds one")
            }
            do {
                let expanded = try EnvironmentExpansion.expand(text, environment: environment)
                guard !expanded.utf8.contains(0) else {
                    throw SettingsPathError(path: path, problem: "an environment variable put a NUL character in the value")
                }
                return .string(expanded)
            } catch let unset as EnvironmentExpansion.UnsetVariable {
                throw SettingsPathError(path: path, problem: "environment variable \(unset.name.prefix(60)) is not set (write ${\(unset.name.prefix(60)):-default} for a fallback)")
            } catch let malformed as EnvironmentExpansion.Malformed {
                // A secret is never shown, not even the part around a slip.
                let shown = path.contains(where: SecretMasking.isSecretKey) ? "the value" : "\"\(text.prefix(60))\""
                throw SettingsPathError(path: path, problem: "\(malformed.reason) at character \(malformed.offset + 1) of \(shown); accepted: ${VAR}, ${VAR:-default}, or $${ for a literal ${")
            }
        case .array(let items):
            return .array(try items.enumerated().map { try expand($1, path: path + ["\($0)"], environment: environment) })
        case .table(let entries):
            var result: [String: SettingsValue] = [:]
            for (key, item) in entries { result[key] = try expand(item, path: path + [key], environment: environment) }
            return .table(result)
        default:
            return value
        }
    }

    /// Turns a problem at a key path into an error naming file, line and key.
    func error(_ problem: SettingsPathError) -> CachalotError {
        let key = problem.path.map { $0.count > 60 ? $0.prefix(60) + "…" : $0 }.joined(separator: ".")
        let position = SourceLocator(text: text).locate(problem.path).map { ":\($0.line):\($0.column)" } ?? ""
        return .usage("\(path)\(position): \(key.isEmpty ? "" : key + ": ")\(problem.problem)")
    }
}
