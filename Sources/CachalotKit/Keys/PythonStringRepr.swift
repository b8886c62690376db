/// `repr(str)` as CPython writes it: single quotes unless the text holds a
/// single quote and no double quote; backslash escapes for the quote,
/// backslash, \t \n \r, other non-printable characters as \xhh, \uhhhh or
/// \Uhhhhhhhh. Query keys contain `str([str(p) for p in params])`.
public enum PythonStringRepr {
    public static func repr(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var result = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\t": result += "\\t"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case _ where Character(scalar) == quote: result += "\\" + String(quote)
            case _ where isPrintable(scalar): result.unicodeScalars.append(scalar)
            default: result += escape(scalar.value)
            }
        }
        return result + String(quote)
    }

    /// `str(list_of_str)`: "['a', \"it's\"]".
    public static func listRepr(_ items: [String]) -> String {
        "[" + items.map(repr).joined(separator: ", ") + "]"
    }

    /// Python's str.isprintable: not in categories Cc, Cf, Cs, Co, Cn, Zl,
    /// Zp, or Zs other than the space.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    private static func escape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        if value < 0x100 { return "\\x" + String(repeating: "0", count: 2 - hex.count) + hex }
        if value < 0x10000 { return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex }
        return "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
