import CachalotKit

/// `cachalot completions SHELL`: prints the generated completion script.
enum CompletionsCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        guard context.arguments.positionals.count == 1, let shell = context.arguments.positionals.first,
              let script = Completions.script(for: shell) else {
            throw CachalotError.usage("completions takes one shell name; accepted: bash, zsh, fish")
        }
        Console.out(script)
        return 0
    }
}
