import CachalotKit

/// `cachalot completions SHELL`: prints the generated completion script.
enum CompletionsCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        guard context.arguments.positionals.count == 1, let name = context.arguments.positionals.first,
              let shell = Shell(rawValue: name) else {
            throw CachalotError.usage("completions takes one shell name; accepted: \(Shell.names.joined(separator: ", "))")
        }
        Console.out(Completions.script(for: shell))
        return 0
    }
}
