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
    /// The export as written, with the placeholders kept and dropped.
    public let exported: ExportedSettings

    /// `replacingUnreadable`: a file that does not parse, or names a
    /// variable that is not set, is replaced whole (--force) rather than
    /// being an error.
    public init(path: String, exported: ExportedSettings, environment: Environment, replacingUnreadable: Bool = false) throws {
        self.path = path
        guard FileSystem.exists(path) else {
            exists = false
            self.exported = exported
            text = exported.jsonText
            differences = []
            return
        }
        exists = true
        let written: SettingsValue, expanded: SettingsValue
        do {
            let file = try SettingsFile(path: path)
            do {
                written = try file.parsed()
                expanded = try file.document(environment: environment)
            } catch let problem as SettingsPathError {
                throw file.error(problem)
            }
        } catch let error as CachalotError where replacingUnreadable && error.exitCode == .usage {
            self.exported = exported
            text = exported.jsonText
            differences = [SettingsDifference(kind: .changed, path: "(the whole file)", old: "unreadable: \(error.message)", new: "the site's settings")]
            return
        }
        self.exported = exported.keepingPlaceholders(of: written, environment: environment)
        text = self.exported.jsonText
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
