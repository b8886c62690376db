import CachalotKit

/// `cachalot completions SHELL`: prints the generated completion script;
/// `--list WHAT`: what those scripts complete from the settings file.
enum CompletionsCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let positionals = context.arguments.positionals
        if let list = context.arguments.choice(CommandTable.list) {
            guard positionals.isEmpty else { throw CachalotError.usage("completions --list takes no shell name") }
            let settings = try context.loadSettings()
            values(list, settings).forEach(Console.out)
            return 0
        }
        guard positionals.count == 1, let name = positionals.first, let shell = Shell(rawValue: name) else {
            throw CachalotError.usage("completions takes one shell name; accepted: \(Shell.names.joined(separator: ", "))")
        }
        Console.out(Completions.script(for: shell))
        return 0
    }

    /// Labels from MODELS and APPS only: completing never opens a database.
    static func values(_ list: CompletionList, _ settings: Settings) -> [String] {
        switch list {
        case .labels:
            let models = settings.models.map { Array($0.keys) } ?? []
            let apps = models.compactMap { $0.split(separator: ".").first.map(String.init) } + settings.apps.keys
            return Set(apps + models).sorted()
        case .caches: return settings.cacheAliases
        case .databases: return settings.databaseAliases
        }
    }
}
