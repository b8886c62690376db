import Glibc

/// The site's own Python, run once to export its settings (`cachalot
/// init`): where its manage.py and interpreter are, and what the export
/// script prints.
public struct SiteExport: Sendable {
    /// Absolute path of the site's manage.py.
    public var manage: String
    /// The interpreter: a path, or a name looked up on PATH.
    public var python: String
    /// `--settings` for manage.py; nil: what manage.py sets itself.
    public var settingsModule: String?

    /// The exported settings are at most this large (a site with thousands
    /// of models writes a few hundred KiB).
    static let outputLimit = 64 << 20

    /// manage.py given or in `currentDirectory`; the interpreter given, else
    /// the virtualenv beside manage.py (.venv, venv or env, in its folder or
    /// the one above), else the active one ($VIRTUAL_ENV), else python3.
    public static func locate(manage: String?, python: String?, settingsModule: String?,
                              environment: Environment, currentDirectory: String) throws -> SiteExport {
        let managePath = PathText.absolute(manage ?? "manage.py", base: currentDirectory, home: environment["HOME"])
        guard FileSystem.exists(managePath), !FileSystem.isDirectory(managePath) else {
            throw CachalotError.usage(manage == nil ? "no manage.py in \(currentDirectory)" : "\(managePath) is not a file",
                                      hint: "give the site's manage.py with --manage PATH")
        }
        if let python {
            if python.contains("/") {
                let path = PathText.absolute(python, base: currentDirectory, home: environment["HOME"])
                guard access(path, X_OK) == 0 else { throw CachalotError.usage("--python \(path) is not an executable file") }
                return SiteExport(manage: managePath, python: path, settingsModule: settingsModule)
            }
            return SiteExport(manage: managePath, python: python, settingsModule: settingsModule)
        }
        let folder = PathText.directory(of: managePath)
        let candidates = [folder, PathText.directory(of: folder)].flatMap { base in
            [".venv", "venv", "env"].map { "\(base)/\($0)/bin/python" }
        } + (environment["VIRTUAL_ENV"].map { ["\($0)/bin/python"] } ?? [])
        let found = candidates.first { access($0, X_OK) == 0 } ?? "python3"
        return SiteExport(manage: managePath, python: found, settingsModule: settingsModule)
    }

    /// The last line the site printed (a traceback's ends with the error),
    /// any URL's password masked. Only that line: the lines above it may
    /// quote the settings' source, passwords included.
    static func lastLine(of log: String) -> String? {
        guard let bytes = try? FileSystem.read(log, limit: outputLimit) else { return nil }
        let last = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).last.map(String.init)?.trimmed()
        guard let last, !last.isEmpty else { return nil }
        return String(last.split(separator: " ", omittingEmptySubsequences: false)
            .map { $0.contains("://") ? SecretMasking.url(String($0)) : String($0) }.joined(separator: " ").prefix(300))
    }

    /// The command as a person would type it, for messages.
    public var commandLine: String {
        ([python, manage, "shell"] + (settingsModule.map { ["--settings=\($0)"] } ?? []) + ["-c", "\"$(cat export-settings.py)\""])
            .joined(separator: " ")
    }

    /// Runs `script` inside the site (`manage.py shell -c`, from manage.py's
    /// folder) and returns the JSON it wrote.
    public func run(script: String) throws -> ExportedSettings {
        // Absolute: the child opens the log from manage.py's folder.
        let temporary = Environment.process["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        var template = Array("\(temporary)/cachalot-init-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CachalotError.runtime("cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        let folder = String(cString: made)  // mkdtemp filled in the template
        let exported = folder + "/export.json", log = folder + "/output.txt"
        defer {
            unlink(exported)
            unlink(log)
            rmdir(folder)
        }
        let arguments = [python, manage, "shell"] + (settingsModule.map { ["--settings=\($0)"] } ?? []) + ["-c", script]
        let status = try Subprocess.run(arguments, adding: ["CACHALOT_EXPORT_TO": exported], output: log,
                                        directory: PathText.directory(of: manage))
        guard status == 0 else {
            throw CachalotError.runtime("the site's Python failed (exit \(status))" + (Self.lastLine(of: log).map { ": " + $0 } ?? ""),
                                        hint: "run it yourself to see all it printed (\(commandLine)); check --manage, --python and --settings-module")
        }
        guard let bytes = try FileSystem.read(exported, limit: Self.outputLimit) else {
            throw CachalotError.runtime("the site's Python exited without exporting anything: \(commandLine)",
                                        hint: "is \(manage) a Django manage.py?")
        }
        do {
            return ExportedSettings(tree: try JSONReader.read(String(decoding: bytes, as: UTF8.self), maximumDepth: TOMLReader.maximumDepth))
        } catch let error as JSONReader.Failure {
            throw CachalotError.runtime("the export is not JSON (line \(error.line), column \(error.column): \(error.reason))")
        }
    }
}
