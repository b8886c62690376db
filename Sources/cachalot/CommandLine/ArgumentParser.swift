import CachalotKit

/// The result of parsing argv against `CommandTable`: values already typed,
/// stored under the option's name.
struct ParsedArguments {
    var command: CommandSpec?
    var values: [OptionName: OptionValue] = [:]
    /// Every value of a repeatable option, in order.
    var repeated: [OptionName: [String]] = [:]
    var positionals: [String] = []

    func flag(_ name: OptionName) -> Bool { values[name] != nil }

    func text(_ name: OptionName) -> String? {
        if case .text(let text)? = values[name] { return text }
        return nil
    }

    func seconds(_ name: OptionName) -> Double? {
        if case .seconds(let seconds)? = values[name] { return seconds }
        return nil
    }

    func count(_ name: OptionName) -> Int? {
        if case .count(let count)? = values[name] { return count }
        return nil
    }

    func choice<Choice>(_ option: ChoiceOption<Choice>) -> Choice? {
        text(option.spec.name).flatMap(Choice.init(rawValue:))
    }

    func all(_ name: OptionName) -> [String] { repeated[name] ?? [] }
}

/// A hand-written GNU-style parser: `-c X`, `-cX`, `--cache X`,
/// `--cache=X`, flag clusters (`-hv2`), `--` to end options. Global options
/// go before or after the subcommand. Every error is a usage error (exit 2).
enum ArgumentParser {
    static func parse(_ arguments: [String]) throws -> ParsedArguments {
        var parsed = ParsedArguments()
        var remaining = arguments[...]
        var optionsEnded = false
        while let argument = remaining.popFirst() {
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                if parsed.command == nil && !optionsEnded {
                    guard let command = CommandTable.command(named: argument) else {
                        let names = CommandTable.commands.map(\.name)
                        throw CachalotError.usage("unknown command '\(argument.prefix(40))'\(Suggestion.phrase(for: argument, in: names)); commands: \(names.joined(separator: ", "))",
                                                  hint: "cachalot --help lists them")
                    }
                    parsed.command = command
                } else {
                    parsed.positionals.append(argument)
                }
            } else if argument == "--" {
                optionsEnded = true
            } else if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let name = String(body.prefix { $0 != "=" })
                let inline = body.contains("=" as Character) ? String(body.drop { $0 != "=" }.dropFirst()) : nil
                let option = try lookup(long: name, command: parsed.command)
                if option.takesValue {
                    guard let value = inline ?? remaining.popFirst() else { throw missingValue(option) }
                    try store(option, value, in: &parsed)
                } else {
                    guard inline == nil else { throw CachalotError.usage("option --\(name) takes no value") }
                    parsed.values[option.name] = .flag
                }
            } else {
                var cluster = argument.dropFirst()
                while let short = cluster.popFirst() {
                    let option = try lookup(short: short, command: parsed.command)
                    if option.takesValue {
                        let value = cluster.isEmpty ? remaining.popFirst() : String(cluster)
                        guard let value else { throw missingValue(option) }
                        try store(option, value, in: &parsed)
                        break
                    }
                    parsed.values[option.name] = .flag
                }
            }
        }
        try applyRelations(among: options(for: parsed.command), to: &parsed)
        return parsed
    }

    /// The table's `implies` and `excludes`, for the options given.
    private static func applyRelations(among options: [OptionSpec], to parsed: inout ParsedArguments) throws {
        for option in options where parsed.flag(option.name) {
            if let other = option.excludes.first(where: { parsed.flag($0) }) {
                throw CachalotError.usage("--\(option.long) and --\(other.rawValue) exclude each other; choose one")
            }
            for implied in option.implies { parsed.values[implied] = .flag }
        }
    }

    static func options(for command: CommandSpec?) -> [OptionSpec] {
        CommandTable.globalOptions + (command?.options ?? [])
    }

    private static func lookup(long name: String, command: CommandSpec?) throws -> OptionSpec {
        if let option = options(for: command).first(where: { $0.long == name }) { return option }
        throw unknown("--\(name)", command: command, candidates: options(for: command).map { "--\($0.long)" })
    }

    private static func lookup(short: Character, command: CommandSpec?) throws -> OptionSpec {
        if let option = options(for: command).first(where: { $0.shorts.contains(short) }) { return option }
        throw unknown("-\(short)", command: command, candidates: options(for: command).flatMap { $0.shorts.map { "-\($0)" } })
    }

    private static func unknown(_ name: String, command: CommandSpec?, candidates: [String]) -> CachalotError {
        let shown = String(name.prefix(40))
        let elsewhere = CommandTable.commands.filter { spec in
            spec.options.contains { "--\($0.long)" == name || $0.shorts.contains { "-\($0)" == name } }
        }.map(\.name)
        let context = command.map { " for '\($0.name)'" } ?? ""
        // "-- a comment\nSELECT …": SQL that starts like an option.
        if name.contains(where: { $0 == " " || $0.isNewline }) {
            return .usage("\(quoted(shown)) starts like an option but looks like SQL",
                          hint: "put -- before SQL that starts with a comment, or give it on standard input")
        }
        let hint = command == nil && !elsewhere.isEmpty
            ? "\(shown) belongs after a command: \(elsewhere.joined(separator: ", "))"
            : "cachalot \(command.map { $0.name + " " } ?? "")--help lists the options"
        return .usage("unknown option \(shown)\(context)\(Suggestion.phrase(for: name, in: candidates))", hint: hint)
    }

    private static func missingValue(_ option: OptionSpec) -> CachalotError {
        .usage("option --\(option.long) needs a value (\(option.valueName ?? "VALUE"))")
    }

    private static func store(_ option: OptionSpec, _ value: String, in parsed: inout ParsedArguments) throws {
        parsed.values[option.name] = try option.parse(value)
        if option.repeatable { parsed.repeated[option.name, default: []].append(value) }
    }
}
