import CachalotKit

/// `--help` output, generated from `CommandTable`.
enum HelpText {
    static func general(version: String) -> String {
        var lines = [
            "cachalot \(version): django-cachalot's cache, from the command line, without booting Django.",
            "",
            "Usage: cachalot [--settings PATH] COMMAND [OPTIONS] [ARGS...]",
            "",
            "Commands:",
        ]
        let width = CommandTable.commands.map(\.name.count).max() ?? 0
        lines += CommandTable.commands.map { "  " + TextFormatting.padded($0.name, to: width) + "  " + $0.summary }
        lines += ["", "Options:"] + optionLines(CommandTable.globalOptions)
        lines += [
            "",
            "Exit status: 0 success, 1 a cache, database or file failed, 2 usage or settings error.",
            "Run 'cachalot COMMAND --help' for a command's options; 'man cachalot' for settings and examples.",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    static func command(_ spec: CommandSpec) -> String {
        var lines = ["Usage: cachalot \(spec.name) [OPTIONS]" + (spec.positionals.isEmpty ? "" : " " + spec.positionals), "", spec.summary, ""]
        if !spec.positionals.isEmpty {
            lines += ["Arguments:", "  \(spec.positionals)  \(spec.positionalHelp)", ""]
        }
        lines.append("Options:")
        lines += optionLines(spec.options + CommandTable.globalOptions)
        lines += [""] + wrap(spec.details, width: 78)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func optionLines(_ options: [OptionSpec]) -> [String] {
        let width = options.map(\.synopsis.count).max() ?? 0
        return options.map { "  " + TextFormatting.padded($0.synopsis, to: width) + "  " + $0.help + relations($0) }
    }

    /// " Implies --tables." / " Not with --json.": the table's relations,
    /// as --help and the man page say them.
    static func relations(_ option: OptionSpec, marking mark: (String) -> String = { $0 }) -> String {
        func names(_ options: [OptionName]) -> String {
            let long = options.map { mark("--" + $0.rawValue) }
            return long.count <= 1 ? long.joined() : long.dropLast().joined(separator: ", ") + " or " + long.last!
        }
        var notes = ""
        if !option.implies.isEmpty { notes += " Implies " + names(option.implies) + "." }
        if !option.excludes.isEmpty { notes += " Not with " + names(option.excludes) + "." }
        return notes
    }

    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
