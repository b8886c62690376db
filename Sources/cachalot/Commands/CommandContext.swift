import CachalotKit
import Foundation

/// What every command gets: the parsed arguments and a way to load the
/// settings the user pointed at.
struct CommandContext {
    var arguments: ParsedArguments

    func loadSettings() throws -> Settings {
        try SettingsLoader.load(explicitPath: arguments.value(CommandTable.settings),
                                environment: ProcessInfo.processInfo.environment,
                                currentDirectory: FileManager.default.currentDirectoryPath)
    }

    /// Labels and the -c / -d aliases.
    var selection: Selection {
        Selection(labels: arguments.positionals, cacheAlias: arguments.value(CommandTable.cache),
                  databaseAlias: arguments.value(CommandTable.database))
    }

    /// The real backends, with --timeout applied.
    func backends() throws -> Backends {
        guard let text = arguments.value(CommandTable.timeout) else { return Backends() }
        guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
            throw CachalotError.usage("invalid value '\(text)' for --timeout; accepted: a number of seconds above 0")
        }
        return Backends(timeout: seconds)
    }

    /// Notes for caches left out because they live inside Django.
    static func noteSkipped(_ skipped: [(alias: String, reason: String)]) {
        for cache in skipped { Console.note("skipping cache '\(cache.alias)': \(cache.reason)") }
    }
}
