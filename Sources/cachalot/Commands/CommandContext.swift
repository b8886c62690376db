import CachalotKit

/// What every command gets: the parsed arguments, the real backends (with
/// --timeout applied) and a way to load the settings the user pointed at.
struct CommandContext {
    var arguments: ParsedArguments
    var backends: Backends

    init(arguments: ParsedArguments, backends: Backends? = nil) {
        self.arguments = arguments
        self.backends = backends ?? Backends(timeout: arguments.seconds(.timeout))
    }

    func loadSettings() throws -> Settings {
        try SettingsLoader.load(explicitPath: arguments.text(.settings),
                                environment: .process,
                                currentDirectory: FileSystem.currentDirectory())
    }

    /// Labels, the -c / -d aliases and --schema.
    var selection: Selection {
        // Repeatable on invalidate and last-invalidation; once (the last
        // given) on stats and watch.
        let schemas = arguments.all(.schema) + [arguments.text(.schema)].compactMap { $0 }
        return Selection(labels: arguments.positionals, cacheAlias: arguments.text(.cache),
                         databaseAlias: arguments.text(.db), schemas: schemas.isEmpty ? nil : schemas)
    }

    /// This host's clock, as the operations read it.
    func now() -> Double { backends.now() }

    /// Warnings always; details from -v 2 up (the only -v some commands have
    /// is none, then details are left out).
    static func show(_ notices: [Notice], verbosity: Verbosity = .djangos) {
        for notice in notices {
            switch notice {
            case .warning(let text): Console.warning(text)
            case .detail(let text): if verbosity >= .perTable { Console.note(text) }
            }
        }
    }

    /// Notes for caches left out because they live inside Django.
    static func noteSkipped(_ skipped: [SkippedCache]) {
        for cache in skipped { Console.note("skipping cache '\(cache.alias)': \(cache.reason)") }
    }
}
