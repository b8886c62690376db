/// What `init` would do to a settings file: the text to write (the site's
/// export, with the file's `${VAR}` kept where they still hold), and how the
/// file differs from the site now.
public struct SettingsFileUpdate: Sendable {
    public let path: String
    /// False for a file `init` is about to create.
    public let exists: Bool
    public let text: String
    /// From the file (its variables expanded) to the site; empty when the
    /// file is current.
    public let differences: [SettingsDifference]

    public init(path: String, exported: ExportedSettings, environment: Environment) throws {
        self.path = path
        guard FileSystem.exists(path) else {
            exists = false
            text = exported.jsonText
            differences = []
            return
        }
        let file = try SettingsFile(path: path)
        let written: SettingsValue, expanded: SettingsValue
        do {
            written = try file.parsed()
            expanded = try file.document(environment: environment)
        } catch let problem as SettingsPathError {
            throw file.error(problem)
        }
        exists = true
        text = exported.keepingPlaceholders(of: written, environment: environment).jsonText
        differences = SettingsDifference.between(file: expanded, site: exported.value)
    }

    /// Writes `text` over the file, mode 0600.
    public func write() throws {
        do {
            try FileSystem.replace(path, with: text)
        } catch let failure as FileSystem.Failure {
            throw CachalotError.runtime(failure.description)
        }
    }
}
