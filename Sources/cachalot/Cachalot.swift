import CachalotKit
import Glibc

/// The executable: argv → parser → one command → exit code.
@main
enum Cachalot {
    /// The version from VERSION, with the commit it was built from.
    static let version = "\(BuildVersion.version) (\(BuildVersion.commit))"

    static func main() {
        // A closed stdout is an EPIPE error to handle, not a signal that kills.
        signal(SIGPIPE, SIG_IGN)
        Console.guardStandardDescriptors()
        let code = run(Array(CommandLine.arguments.dropFirst()))
        exit(Console.finish(code))
    }

    static func run(_ argv: [String]) -> Int32 {
        do {
            let arguments = try ArgumentParser.parse(argv)
            if arguments.flag(.version) {
                Console.out("cachalot \(version)")
                return 0
            }
            guard let command = arguments.command else {
                if arguments.flag(.help) {
                    Console.out(HelpText.general(version: version))
                    return 0
                }
                Console.err(HelpText.general(version: version))
                Console.error(.usage("no command given"))
                return CachalotError.ExitCode.usage.rawValue
            }
            if arguments.flag(.help) {
                Console.out(HelpText.command(command))
                return 0
            }
            if command.positionals.isEmpty, let extra = arguments.positionals.first {
                throw CachalotError.usage("'\(command.name)' takes no arguments, got '\(extra.prefix(40))'", hint: "cachalot \(command.name) --help")
            }
            return try command.run(CommandContext(arguments: arguments))
        } catch {
            let error = CachalotError(error)
            Console.error(error)
            return error.exitCode.rawValue
        }
    }
}
