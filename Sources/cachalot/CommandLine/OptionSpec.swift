/// One command-line option, defined once: the parser, `--help`, the
/// completions and the man-page test all read this.
struct OptionSpec: Equatable {
    /// What a shell may complete for the option's value.
    enum ValueKind: Equatable {
        case none
        case file
        case cacheAlias
        case databaseAlias
        case number
        case choice([String])
    }

    var long: String
    var shorts: [Character] = []
    /// The value's placeholder in help ("ALIAS"); nil for a flag.
    var valueName: String?
    var valueKind: ValueKind = .none
    var help: String
    /// Given several times, every value is kept (`--param a --param b`).
    var repeatable = false

    var takesValue: Bool { valueName != nil }

    /// "-c, --cache ALIAS"
    var synopsis: String {
        let names = shorts.map { "-\($0)" } + ["--\(long)"]
        return names.joined(separator: ", ") + (valueName.map { " \($0)" } ?? "")
    }
}

/// One subcommand: its name, what it does, its positional arguments and options.
struct CommandSpec {
    var name: String
    var summary: String
    /// Positional arguments as shown in usage ("[LABEL...]"), and their help.
    var positionals: String
    var positionalHelp: String
    var positionalKind: OptionSpec.ValueKind = .none
    var options: [OptionSpec]
    /// Paragraphs shown by `--help` after the options.
    var details: String
}
