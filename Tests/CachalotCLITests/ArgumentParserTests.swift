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
        #expect(parsed.command == "invalidate")
        #expect(parsed.value(CommandTable.cache) == "default")
        #expect(parsed.positionals == ["auth"])
    }

    @Test func dbHasDjangosAndPgStyleShorts() throws {
        #expect(try ArgumentParser.parse(["invalidate", "-d", "x"]).value(CommandTable.database) == "x")
        #expect(try ArgumentParser.parse(["invalidate", "-p", "x"]).value(CommandTable.database) == "x")
    }

    @Test func settingsBeforeOrAfterTheCommand() throws {
        #expect(try ArgumentParser.parse(["--settings", "a.toml", "invalidate"]).value(CommandTable.settings) == "a.toml")
        #expect(try ArgumentParser.parse(["invalidate", "--settings=a.toml"]).value(CommandTable.settings) == "a.toml")
    }

    @Test func flagClusterAndDoubleDash() throws {
        let parsed = try ArgumentParser.parse(["invalidate", "-v2", "--dry-run", "--", "-weird-table"])
        #expect(parsed.value(CommandTable.verbosity) == "2")
        #expect(parsed.flag(CommandTable.dryRun))
        #expect(parsed.positionals == ["-weird-table"])
    }

    @Test func errorsAreUsageErrorsWithSuggestions() {
        func message(_ argv: [String]) -> String? {
            do { _ = try ArgumentParser.parse(argv); return nil } catch let error as CachalotError {
                #expect(error.exitCode == .usage)
                return error.message
            } catch { return nil }
        }
        #expect(message(["invalidate", "--cahce", "x"])?.contains("did you mean '--cache'") == true)
        #expect(message(["invaldate"])?.contains("did you mean 'invalidate'") == true)
        #expect(message(["invalidate", "-v", "7"])?.contains("accepted: 0, 1, 2, 3") == true)
        #expect(message(["invalidate", "--cache"])?.contains("needs a value") == true)
        #expect(message(["invalidate", "--format", "iso"])?.contains("unknown option --format") == true)
        #expect(message(["invalidate", "--dry-run=yes"])?.contains("takes no value") == true)
    }
}
