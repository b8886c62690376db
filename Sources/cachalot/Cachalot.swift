import CachalotKit
import Foundation

/// The executable: argv → parser → one command → exit code.
@main
enum Cachalot {
    static let version = "0.1.0"

    static func main() {
        exit(run(Array(CommandLine.arguments.dropFirst())))
    }

    static func run(_ argv: [String]) -> Int32 {
        do {
            let arguments = try ArgumentParser.parse(argv)
            if arguments.flag(CommandTable.version) {
                Console.out("cachalot \(version)")
                return 0
            }
            guard let name = arguments.command, let spec = CommandTable.command(named: name) else {
                if arguments.flag(CommandTable.help) {
                    Console.out(HelpText.general(version: version))
                    return 0
                }
                Console.err(HelpText.general(version: version))
                Console.error(.usage("no command given"))
                return CachalotError.ExitCode.usage.rawValue
            }
            if arguments.flag(CommandTable.help) {
                Console.out(HelpText.command(spec))
                return 0
            }
            if spec.positionals.isEmpty, let extra = arguments.positionals.first {
                throw CachalotError.usage("'\(name)' takes no arguments, got '\(extra)'", hint: "cachalot \(name) --help")
            }
            let context = CommandContext(arguments: arguments)
            switch name {
            case "invalidate": return try InvalidateCommand.run(context)
            case "last-invalidation": return try LastInvalidationCommand.run(context)
            case "stats": return try StatsCommand.run(context)
            case "query": return try QueryCommand.run(context)
            case "doctor": return try DoctorCommand.run(context)
            default: return try CompletionsCommand.run(context)
            }
        } catch let error as CachalotError {
            Console.error(error)
            return error.exitCode.rawValue
        } catch {
            Console.error(.runtime("\(error)"))
            return CachalotError.ExitCode.runtime.rawValue
        }
    }
}
