import CachalotKit
import Glibc
import Testing
@testable import cachalot

/// --help, the man page and the completion scripts must match the one table.
struct SurfaceConsistencyTests {
    static let root = PathText.directory(of: PathText.directory(of: PathText.directory(of: #filePath)))

    static func read(_ path: String) throws -> String {
        let bytes = try #require(try FileSystem.read(root + "/" + path), "\(path) is missing")
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(arguments: Shell.allCases)
    func completionFilesAreTheGeneratedOnes(shell: Shell) throws {
        let file = ["bash": "completions/cachalot.bash", "zsh": "completions/_cachalot", "fish": "completions/cachalot.fish"][shell.rawValue]!
        #expect(try Self.read(file) == Completions.script(for: shell),
                "\(file) drifted from the command table: run make completions")
    }

    /// `page` with every generated section replaced by `ManPage`'s text.
    static func withGeneratedSections(_ page: String) throws -> String {
        var page = page
        for (name, roff) in ManPage.sections {
            let begin = ".\\\" BEGIN generated \(name)\n", end = ".\\\" END generated \(name)\n"
            let start = try #require(page.firstRange(of: begin), "man/cachalot.1 lacks the line \(begin)")
            let stop = try #require(page[start.upperBound...].firstRange(of: end), "man/cachalot.1 lacks the line \(end)")
            page.replaceSubrange(start.upperBound..<stop.lowerBound, with: roff)
        }
        return page
    }

    /// The man page's SYNOPSIS and OPTIONS are the table's; with
    /// CACHALOT_UPDATE_MAN=1 (make man) this rewrites them instead.
    @Test func manPageSectionsAreTheGeneratedOnes() throws {
        let page = try Self.read("man/cachalot.1")
        let generated = try Self.withGeneratedSections(page)
        if getenv("CACHALOT_UPDATE_MAN").map({ String(cString: $0) }) == "1" {
            let file = try #require(fopen(Self.root + "/man/cachalot.1", "w"))
            fputs(generated, file)
            fclose(file)
            return
        }
        #expect(generated == page, "man/cachalot.1's generated sections drifted from the option table: run make man")
    }

    /// Options are generated (above); each command's section is prose.
    @Test func manPageHasASectionPerCommand() throws {
        let man = try Self.read("man/cachalot.1")
        for command in CommandTable.commands {
            let roffName = command.name.replacing("-", with: "\\-")
            #expect(man.contains(".SS \(roffName)\n"), "man page lacks a section for command \(command.name)")
        }
    }

    /// The man page's header names the version `--version` prints (VERSION).
    @Test func manPageNamesTheVersion() throws {
        let version = try Self.read("VERSION").filter { !$0.isWhitespace }
        let header = try #require(try Self.read("man/cachalot.1").split(separator: "\n").first { $0.hasPrefix(".TH ") })
        #expect(header.contains("\"cachalot \(version)\""), "man/cachalot.1's .TH line does not name version \(version)")
        #expect(Cachalot.version.hasPrefix(version + " ("))
    }

    @Test func generalHelpIsFixed() {
        #expect(HelpText.general(version: "9.9") == """
        cachalot 9.9: django-cachalot's cache, from the command line, without booting Django.

        Usage: cachalot [--settings PATH] COMMAND [OPTIONS] [ARGS...]

        Commands:
          invalidate         Invalidate django-cachalot's cached queries for tables, models or apps.
          last-invalidation  Print the time of the latest invalidation, as get_last_invalidation().
          query              Run SQL through django-cachalot's cache, or peek at what Django cached.
          sync               Invalidate exactly the tables the database says changed since the last sync.
          stats              Show what each cache holds and which tables were invalidated when.
          watch              Follow invalidations as they happen; summarize which tables keep the cache cold.
          doctor             Check settings, caches, databases and clocks for causes of stale data.
          init               Write the settings file from the site's own settings, then run doctor.
          completions        Print the shell completion script for bash, zsh or fish.

        Options:
          --settings PATH  Settings file (.toml or .json). Default: $CACHALOT_SETTINGS, ./cachalot.toml, ./cachalot.json.
          -h, --help       Show help and exit.
          --version        Print the version and exit.

        Exit status: 0 success, 1 a cache, database or file failed, 2 usage or settings error.
        Run 'cachalot COMMAND --help' for a command's options; 'man cachalot' for settings and examples.

        """)
    }

    @Test func completionsHelpIsFixed() throws {
        let command = try #require(CommandTable.command(named: "completions"))
        #expect(HelpText.command(command) == """
        Usage: cachalot completions [OPTIONS] [SHELL]

        Print the shell completion script for bash, zsh or fish.

        Arguments:
          [SHELL]  bash, zsh or fish (none with --list).

        Options:
          --list WHAT      Print the settings file's labels, caches or databases, one per line (what the scripts complete).
          --settings PATH  Settings file (.toml or .json). Default: $CACHALOT_SETTINGS, ./cachalot.toml, ./cachalot.json.
          -h, --help       Show help and exit.
          --version        Print the version and exit.

        The scripts in the completions/ folder of the source are this command's
        output. They complete commands, options and choices, and ask cachalot
        completions --list for labels and aliases from the settings file (--settings
        on the line being completed is honoured).

        """)
    }

    @Test func invalidateHelpListsItsOptionsInTableOrder() throws {
        let command = try #require(CommandTable.command(named: "invalidate"))
        let lines = HelpText.command(command).split(separator: "\n", omittingEmptySubsequences: false)
        let options = lines.drop { $0 != "Options:" }.dropFirst().prefix { !$0.isEmpty }.map { $0.trimmed() }
        #expect(options.count == 11)
        #expect(options.first == "-c, --cache ALIAS      Only this alias from CACHES (default: every cache).")
        #expect(options.contains("-v, --verbosity LEVEL  0 silent, 1 Django's messages (default), 2 a line per cache, database and table, 3 also keys."))
        #expect(options.last == "--version              Print the version and exit.")
    }
}
