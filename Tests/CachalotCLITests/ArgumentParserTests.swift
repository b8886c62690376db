import CachalotKit
import Testing
@testable import cachalot

struct ArgumentParserTests {
    @Test(arguments: [
        ["invalidate", "-c", "default", "auth"],
        ["invalidate", "-cdefault", "auth"],
        ["invalidate", "--cache", "default", "auth"],
        ["invalidate", "--cache=default", "auth"],
        ["invalidate", "auth", "--cache", "default"],
    ])
    func everyOptionForm(argv: [String]) throws {
        let parsed = try ArgumentParser.parse(argv)
        #expect(parsed.command?.name == "invalidate")
        #expect(parsed.text(.cache) == "default")
        #expect(parsed.positionals == ["auth"])
    }

    @Test func dbHasDjangosAndPgStyleShorts() throws {
        #expect(try ArgumentParser.parse(["invalidate", "-d", "x"]).text(.db) == "x")
        #expect(try ArgumentParser.parse(["invalidate", "-p", "x"]).text(.db) == "x")
    }

    @Test func settingsBeforeOrAfterTheCommand() throws {
        #expect(try ArgumentParser.parse(["--settings", "a.toml", "invalidate"]).text(.settings) == "a.toml")
        #expect(try ArgumentParser.parse(["invalidate", "--settings=a.toml"]).text(.settings) == "a.toml")
    }

    @Test func flagClusterAndDoubleDash() throws {
        let parsed = try ArgumentParser.parse(["invalidate", "-v2", "--dry-run", "--", "-weird-table"])
        #expect(parsed.choice(CommandTable.verbosity) == .perTable)
        #expect(parsed.flag(.dryRun))
        #expect(parsed.positionals == ["-weird-table"])
    }

    @Test func valuesArriveTyped() throws {
        let stats = try ArgumentParser.parse(["stats", "--top", "7", "--timeout", "0.25"])
        #expect(stats.count(.top) == 7)
        #expect(stats.seconds(.timeout) == 0.25)
        let last = try ArgumentParser.parse(["last-invalidation", "--format", "iso"])
        #expect(last.choice(CommandTable.format) == .iso)
        let query = try ArgumentParser.parse(["query", "--format=csv", "--param", "1", "--param", "it's", "SELECT 1"])
        #expect(query.choice(CommandTable.rowFormat) == .csv)
        #expect(query.all(.param) == ["1", "it's"])
        #expect(query.choice(CommandTable.format) == nil, "last-invalidation's --format is another option")
    }

    @Test func theTablesRelationsApply() throws {
        #expect(message(["stats", "--json", "--prometheus"]) == "--prometheus and --json exclude each other; choose one")
        #expect(message(["query", "--peek", "--no-cache", "SELECT 1"]) == "--peek and --no-cache exclude each other; choose one")
        #expect(message(["query", "--write", "--peek", "SELECT 1"]) == "--peek and --write exclude each other; choose one")
        #expect(try ArgumentParser.parse(["stats", "--top", "3"]).flag(.tables), "--top implies --tables")
        #expect(try !ArgumentParser.parse(["stats", "--idle"]).flag(.tables))
        #expect(try ArgumentParser.parse(["query", "--peek", "--verbose", "SELECT 1"]).flag(.peek))
    }

    /// Each name on a command line means one option of that command, and
    /// every OptionName is some option's.
    @Test func optionNamesAreUniquePerCommandAndAllUsed() {
        var used = Set(CommandTable.globalOptions.map(\.name))
        for command in CommandTable.commands {
            let options = CommandTable.globalOptions + command.options
            #expect(Set(options.map(\.name)).count == options.count, "\(command.name) has an option name twice")
            let shorts = options.flatMap(\.shorts)
            #expect(Set(shorts).count == shorts.count, "\(command.name) has a short option twice")
            for option in options {
                for related in option.excludes + option.implies {
                    #expect(options.contains { $0.name == related }, "--\(option.long) of \(command.name) relates to --\(related.rawValue), which \(command.name) lacks")
                }
            }
            used.formUnion(command.options.map(\.name))
        }
        #expect(used == Set(OptionName.allCases))
    }

    @Test(arguments: ["0", "-1", "nan", "inf", "-inf", "1e300", "86401", "5s", "", "0x10", "0x1p4"])
    func outOfRangeTimeoutsAreUsageErrors(text: String) {
        #expect(message(["invalidate", "--timeout", text])?.contains("accepted: a number of seconds above 0") == true)
    }

    @Test(arguments: ["0", "-3", "1.5", "ten", "99999999999999999999"])
    func topMustBeAWholeNumberAboveZero(text: String) {
        #expect(message(["stats", "--top", text])?.contains("accepted: a whole number above 0") == true)
    }

    /// That each command reaches its own code is checked with the real
    /// binary (interop: test_every_command_reaches_its_own_code); here,
    /// the exit codes of a run without a command or with a bad argument.
    @Test func runsEndWithTheDocumentedExitCodes() throws {
        #expect(Cachalot.run(["completions", "fish"]) == 0)
        #expect(Cachalot.run(["completions", "tcsh"]) == CachalotError.ExitCode.usage.rawValue)
        #expect(Cachalot.run([]) == CachalotError.ExitCode.usage.rawValue)
    }

    @Test func errorsAreUsageErrorsWithSuggestions() {
        #expect(message(["invalidate", "--cahce", "x"])?.contains("did you mean '--cache'") == true)
        #expect(message(["invaldate"])?.contains("did you mean 'invalidate'") == true)
        #expect(message(["invalidate", "-v", "7"])?.contains("accepted: 0, 1, 2, 3") == true)
        #expect(message(["invalidate", "--cache"])?.contains("needs a value") == true)
        #expect(message(["invalidate", "--format", "iso"])?.contains("unknown option --format") == true)
        #expect(message(["invalidate", "--dry-run=yes"])?.contains("takes no value") == true)
        #expect(message(["query", "--format", "xml", "SELECT 1"])?.contains("accepted: table, csv, tsv, json") == true)
    }

    @Test func aLongBadValueIsQuotedShort() {
        let text = message(["invalidate", "--timeout", String(repeating: "9", count: 10_000)]) ?? ""
        #expect(!text.isEmpty && text.count < 200)
    }

    private func message(_ argv: [String]) -> String? {
        do {
            _ = try ArgumentParser.parse(argv)
            return nil
        } catch let error as CachalotError {
            #expect(error.exitCode == .usage)
            return error.message
        } catch {
            return nil
        }
    }
}
