/// The values of the command line's choice options. The parser accepts
/// exactly these cases; help and completions list them from here.

/// `invalidate -v`: how much to print.
enum Verbosity: String, OptionChoice, Comparable {
    case silent = "0"
    case djangos = "1"
    case perTable = "2"
    case withKeys = "3"

    static func < (lhs: Verbosity, rhs: Verbosity) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// `last-invalidation --format`.
enum TimestampFormat: String, OptionChoice {
    case float, iso, age, json
}

/// `query --format`.
enum RowFormat: String, OptionChoice {
    case table, csv, tsv, json
}

/// `completions --list`: what the completion scripts ask for.
enum CompletionList: String, OptionChoice {
    case labels, caches, databases
}

/// `completions SHELL`.
enum Shell: String, OptionChoice {
    case bash, zsh, fish
}
