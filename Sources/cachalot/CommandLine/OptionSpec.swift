import CachalotKit

/// Every option's identity: what the parser stores a value under and what
/// a command asks for. The raw value is the long name.
enum OptionName: String, CaseIterable, Sendable {
    case settings, help, version
    case cache, db, timeout, json, verbosity
    case dryRun = "dry-run"
    case format
    case perTable = "per-table"
    case param
    case noCache = "no-cache"
    case peek, write, verbose
    case tables, top, idle, prometheus
    case interval
    case `for`
    case enableNotifications = "enable-notifications"
    case manage, python
    case settingsModule = "settings-module"
    case output, check, force
    case local
    case list
    case schema
    case allSchemas = "all-schemas"
    case follow
}

/// One command-line option, defined once: the parser, `--help`, the
/// completions and the man page's OPTIONS all read this, and its value is
/// parsed here, once, into the type the command uses.
struct OptionSpec: Equatable, Sendable {
    /// What the value is: how it is parsed and what a shell may complete.
    enum ValueKind: Equatable, Sendable {
        case flag
        case text
        case file
        case cacheAlias
        case databaseAlias
        /// An app label, app_label.ModelName or table (completed from MODELS).
        case label
        /// A finite number of seconds above 0.
        case seconds
        /// A whole number above 0.
        case count
        case choice([String])
    }

    var name: OptionName
    var shorts: [Character] = []
    /// The value's placeholder in help ("ALIAS"); nil for a flag.
    var valueName: String?
    var valueKind: ValueKind = .flag
    /// One line for `--help` and the completions.
    var help: String
    /// The man page's paragraph (ManPage.roff's markup); nil: `help`.
    var manual: String?
    /// Given several times, every value is kept (`--param a --param b`).
    var repeatable = false
    /// Options that cannot be given with this one (a usage error names both).
    var excludes: [OptionName] = []
    /// Flags this one turns on (`--top` implies `--tables`).
    var implies: [OptionName] = []

    var long: String { name.rawValue }
    var takesValue: Bool { valueKind != .flag }

    /// "-c, --cache ALIAS"
    var synopsis: String {
        let names = shorts.map { "-\($0)" } + ["--\(long)"]
        return names.joined(separator: ", ") + (valueName.map { " \($0)" } ?? "")
    }

    /// The typed value of `text`, or a usage error saying what is accepted.
    func parse(_ text: String) throws -> OptionValue {
        func invalid(_ accepted: String) -> CachalotError {
            .usage("invalid value '\(text.prefix(40))' for --\(long); accepted: \(accepted)")
        }
        switch valueKind {
        case .flag:
            throw CachalotError.usage("option --\(long) takes no value")
        case .text, .file, .cacheAlias, .databaseAlias, .label:
            return .text(text)
        case .seconds:
            // Decimal only: Double("0x10") reads hexadecimal (16 s), which the help never offers.
            guard text.utf8.allSatisfy({ (0x30...0x39).contains($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
                                         || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }),
                  let seconds = Double(text), seconds.isFinite, seconds > 0, seconds <= Self.maximumSeconds else {
                throw invalid("a number of seconds above 0, at most \(Int(Self.maximumSeconds))")
            }
            return .seconds(seconds)
        case .count:
            guard let count = Int(text), count > 0 else { throw invalid("a whole number above 0") }
            return .count(count)
        case .choice(let choices):
            guard choices.contains(text) else { throw invalid(choices.joined(separator: ", ")) }
            return .text(text)
        }
    }

    /// A day: longer than any network wait a person means.
    static let maximumSeconds = 86_400.0
}

/// An option's value after parsing.
enum OptionValue: Equatable {
    case flag
    case text(String)
    case seconds(Double)
    case count(Int)
}

/// The values of a choice option, as an enum: the parser accepts exactly
/// its cases, so a command switches over them without a default.
protocol OptionChoice: RawRepresentable, CaseIterable where RawValue == String {}

extension OptionChoice {
    static var names: [String] { allCases.map(\.rawValue) }
}

/// A choice option tied to its enum, so a command reads back that type.
struct ChoiceOption<Choice: OptionChoice> {
    let spec: OptionSpec

    init(_ name: OptionName, shorts: [Character] = [], valueName: String, help: String, manual: String? = nil) {
        spec = OptionSpec(name: name, shorts: shorts, valueName: valueName, valueKind: .choice(Choice.names), help: help, manual: manual)
    }
}

/// One subcommand: its name, what it does, its positional arguments and
/// options, and the function that runs it.
struct CommandSpec: Sendable {
    var name: String
    var summary: String
    /// Positional arguments as shown in usage ("[LABEL...]"), and their help.
    var positionals: String
    var positionalHelp: String
    var positionalKind: OptionSpec.ValueKind = .text
    var options: [OptionSpec]
    /// Paragraphs shown by `--help` after the options.
    var details: String
    var run: @Sendable (CommandContext) throws -> Int32
}
