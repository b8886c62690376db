import Foundation
import Testing
@testable import cachalot

/// --help, the man page and the completion scripts must match the one table.
struct SurfaceConsistencyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static var allOptions: [OptionSpec] {
        CommandTable.globalOptions + CommandTable.commands.flatMap(\.options)
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionFilesAreTheGeneratedOnes(shell: String) throws {
        let file = ["bash": "completions/cachalot.bash", "zsh": "completions/_cachalot", "fish": "completions/cachalot.fish"][shell]!
        #expect(try Self.read(file) == Completions.script(for: shell),
                "\(file) drifted from the command table: run make completions")
    }

    @Test func manPageDocumentsEveryCommandAndOption() throws {
        let man = try Self.read("man/cachalot.1")
        for command in CommandTable.commands {
            let roffName = command.name.replacingOccurrences(of: "-", with: "\\-")
            #expect(man.contains(".SS \(roffName)\n"), "man page lacks a section for command \(command.name)")
        }
        for option in Self.allOptions {
            #expect(man.contains("\\-\\-\(option.long.replacingOccurrences(of: "-", with: "\\-"))"), "man page lacks --\(option.long)")
            for short in option.shorts {
                #expect(man.contains("\\-\(short)"), "man page lacks -\(short)")
            }
        }
    }

    @Test func helpListsEveryOptionOfEachCommand() {
        for command in CommandTable.commands {
            let help = HelpText.command(command)
            for option in command.options + CommandTable.globalOptions {
                #expect(help.contains("--\(option.long)"))
            }
        }
        let general = HelpText.general(version: Cachalot.version)
        for command in CommandTable.commands { #expect(general.contains(command.name)) }
    }
}
