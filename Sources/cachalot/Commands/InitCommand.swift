import CachalotKit
import Glibc

/// `cachalot init`: runs share/export-settings.py in the site's own Python,
/// writes the settings file (mode 0600) after showing how it differs from
/// the one there, says what it found, then runs doctor. `--check` only
/// compares: exit 1 when the file no longer matches the site.
enum InitCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        let environment = Environment.process
        let currentDirectory = FileSystem.currentDirectory()
        let site = try SiteExport.locate(manage: arguments.text(.manage), python: arguments.text(.python),
                                         settingsModule: arguments.text(.settingsModule),
                                         environment: environment, currentDirectory: currentDirectory)
        let path = try target(arguments, environment: environment, currentDirectory: currentDirectory)
        if !arguments.flag(.check), PathText.fileExtension(path) != "json" {
            throw CachalotError.usage("init writes JSON, and \(path) does not end in .json (cachalot reads a file's format from its extension)",
                                      hint: "give the file to write with -o cachalot.json")
        }
        Console.note("exporting the settings: \(site.python) \(site.manage) shell")
        let exported = try site.run(script: ExportScript.text)
        let update = try SettingsFileUpdate(path: path, exported: exported, environment: environment,
                                            replacingUnreadable: arguments.flag(.force))
        // What the site exported must load, or nothing is written.
        let settings = try SettingsLoader.load(SettingsFile(path: path, format: .json, text: update.text),
                                               environment: environment, currentDirectory: currentDirectory)

        if arguments.flag(.check) {
            guard update.exists else {
                Console.out("\(path) does not exist: run cachalot init")
                return CachalotError.ExitCode.runtime.rawValue
            }
            update.differences.forEach { Console.out($0.line) }
            Console.out(update.differences.isEmpty ? "\(path) matches the site's settings"
                        : "\(path) differs from the site's settings in \(TextFormatting.counted(update.differences.count, "key")): run cachalot init")
            return update.differences.isEmpty ? 0 : CachalotError.ExitCode.runtime.rawValue
        }

        describe(exported.summary)
        if !update.exists || !update.differences.isEmpty {
            if update.exists {
                Console.out("\(path) differs from the site's settings:")
                update.differences.forEach { Console.out("  " + $0.line) }
                guard arguments.flag(.force) || confirm("overwrite \(path)?") else {
                    Console.error(.runtime("\(path) left as it was", hint: "cachalot init --force overwrites it without asking"))
                    return CachalotError.ExitCode.runtime.rawValue
                }
            }
            for path in update.exported.droppedPlaceholders {
                Console.warning("\(path): the file's ${…} no longer expands to the site's value; the value itself is written (set the variable and run init again to keep it out of the file)")
            }
            try update.write()
            Console.out("wrote \(path) (mode 0600: it may hold passwords; ${VAR} keeps them out, see man cachalot)")
        } else {
            Console.out("\(path) already matches the site's settings")
        }
        Console.out("")
        let checks = try DoctorOperation(context.selection).run(settings: settings, backends: context.backends)
        return DoctorCommand.report(checks, json: false)
    }

    /// -o, else the file the other commands read (--settings,
    /// $CACHALOT_SETTINGS, ./cachalot.toml, ./cachalot.json), else
    /// ./cachalot.json.
    private static func target(_ arguments: ParsedArguments, environment: Environment, currentDirectory: String) throws -> String {
        if let output = arguments.text(.output) { return output }
        return (try? SettingsFile.locate(explicit: arguments.text(.settings), environment: environment,
                                         currentDirectory: currentDirectory)) ?? currentDirectory + "/cachalot.json"
    }

    private static func describe(_ summary: ExportSummary) {
        Console.out("caches: " + (summary.caches.isEmpty ? "none" : summary.caches.map { "\($0.alias) (\($0.backend))" }.joined(separator: ", ")))
        Console.out("databases: " + (summary.databases.isEmpty ? "none" : summary.databases.map { "\($0.alias) (\($0.engine))" }.joined(separator: ", ")))
        Console.out("models: \(summary.models)")
        Console.out("versions: " + summary.versions.map { "\($0.name) \($0.version)" }.joined(separator: ", "))
    }

    /// Asks on the terminal; false without one (a script is never prompted).
    private static func confirm(_ question: String) -> Bool {
        guard isatty(STDIN_FILENO) == 1, isatty(STDERR_FILENO) == 1 else { return false }
        Console.errRaw("\(question) [y/N] ")
        guard let answer = readLine() else { return false }
        return ["y", "yes"].contains(answer.trimmed().lowercased())
    }
}
