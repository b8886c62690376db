/// The man page's SYNOPSIS and OPTIONS, generated from `CommandTable`;
/// man/cachalot.1 holds them between `.\" BEGIN generated NAME` and
/// `.\" END generated NAME` lines, the prose around them is written by hand
/// (`make man` refreshes them, a test keeps them current).
enum ManPage {
    /// The generated sections, by the name their markers carry.
    static var sections: [(name: String, roff: String)] {
        [("SYNOPSIS", synopsis()), ("OPTIONS", options())]
    }

    /// One line per command, then the options that need none.
    static func synopsis() -> String {
        let global = CommandTable.globalOptions
        let valued = global.filter(\.takesValue).map { "[\(bold("--" + $0.long)) \(italic($0.valueName ?? "VALUE"))]" }
        var lines = CommandTable.commands.map { command in
            var words = [bold("cachalot")] + valued + [bold(command.name)]
            if !command.options.isEmpty { words.append("[\(italic("OPTIONS"))]") }
            if !command.positionals.isEmpty { words.append(usageWords(command.positionals)) }
            return words.joined(separator: " ") + "\n.br"
        }
        let flags = global.filter { !$0.takesValue }.flatMap { $0.shorts.map { "-\($0)" } + ["--\($0.long)"] }
        lines.append(bold("cachalot") + " [" + flags.map(bold).joined(separator: "|") + "]")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A tagged paragraph per option, in the order the commands first use
    /// them; an option whose text differs between commands gets one per text,
    /// each naming its commands.
    static func options() -> String {
        var entries: [(option: OptionSpec, commands: [String])] = CommandTable.globalOptions.map { ($0, []) }
        for command in CommandTable.commands {
            for option in command.options {
                if let index = entries.firstIndex(where: { $0.option == option }) {
                    entries[index].commands.append(command.name)
                } else {
                    entries.append((option, [command.name]))
                }
            }
        }
        return entries.map { option, commands in
            let names = (option.shorts.map { "-\($0)" } + ["--\(option.long)"]).map(bold).joined(separator: ", ")
            var lines = [".TP", names + (option.valueName.map { " " + italic($0) } ?? "")]
            if !commands.isEmpty { lines += ["(" + commands.map(bold).joined(separator: ", ") + ")", ".br"] }
            lines += sentences(roff((option.manual ?? option.help) + HelpText.relations(option) { "`\($0)`" }))
            return lines.joined(separator: "\n")
        }.joined(separator: "\n") + "\n"
    }

    /// Plain text with the table's markup — `bold` and {italic} — as roff:
    /// hyphens and backslashes escaped.
    static func roff(_ text: String) -> String {
        var output = ""
        var font: Character?
        for character in text {
            switch character {
            case "`" where font == nil: font = "`"; output += "\\fB"
            case "`" where font == "`": font = nil; output += "\\fR"
            case "{" where font == nil: font = "{"; output += "\\fI"
            case "}" where font == "{": font = nil; output += "\\fR"
            case "-": output += "\\-"
            case "\\": output += "\\e"
            default: output.append(character)
            }
        }
        return output
    }

    /// One sentence per line, as roff wants, wrapped at 78 columns; a line
    /// never starts with a control character.
    private static func sentences(_ text: String) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            current += (current.isEmpty ? "" : " ") + word
            if current.hasSuffix(".") || current.hasSuffix(".\\fR") {
                lines.append(current)
                current = ""
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.flatMap { HelpText.wrap($0, width: 78) }.map { $0.hasPrefix(".") || $0.hasPrefix("'") ? "\\&" + $0 : $0 }
    }

    /// "[LABEL...]" → "[\fILABEL\fR...]": the words italic, the brackets
    /// and separators roman.
    private static func usageWords(_ usage: String) -> String {
        var output = ""
        var word = ""
        for character in usage + " " {
            if character.isLetter {
                word.append(character)
                continue
            }
            if !word.isEmpty { output += italic(word); word = "" }
            output += character == "-" ? "\\-" : String(character)
        }
        return String(output.dropLast())
    }

    private static func bold(_ text: String) -> String { "\\fB" + roff(text) + "\\fR" }
    private static func italic(_ text: String) -> String { "\\fI" + roff(text) + "\\fR" }
}
