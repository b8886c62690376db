/// `repr(str)` and `repr(bytes)` as CPython writes them: single quotes unless
/// the text holds a single quote and no double quote; backslash escapes for
/// the quote, backslash, \t \n \r; other characters that are not printable
/// as \xhh, \uhhhh or \Uhhhhhhhh (bytes: everything outside 0x20–0x7e as
/// \xhh). Query keys contain `str([str(p) for p in params])`.
public enum PythonStringRepr {
    public static func repr(_ text: String) -> String {
        escaped(text.unicodeScalars, quote: quote(for: text.unicodeScalars), printable: isPrintable)
    }

    /// `repr(b"...")`.
    public static func repr(bytes: [UInt8]) -> String {
        let scalars = bytes.map { Unicode.Scalar($0) }
        return "b" + escaped(scalars, quote: quote(for: scalars)) { (0x20..<0x7f).contains($0.value) }
    }

    /// `str(list_of_str)`: "['a', \"it's\"]".
    public static func listRepr(_ items: [String]) -> String {
        "[" + items.map(repr).joined(separator: ", ") + "]"
    }

    private static func quote<S: Sequence>(for scalars: S) -> Unicode.Scalar where S.Element == Unicode.Scalar {
        var single = false, double = false
        for scalar in scalars {
            if scalar == "'" { single = true } else if scalar == "\"" { double = true }
        }
        return single && !double ? "\"" : "'"
    }

    private static func escaped<S: Sequence>(_ scalars: S, quote: Unicode.Scalar,
                                             printable: (Unicode.Scalar) -> Bool) -> String where S.Element == Unicode.Scalar {
        var result = String.UnicodeScalarView()
        result.append(quote)
        for scalar in scalars {
            switch scalar {
            case "\\": result.append(contentsOf: "\\\\".unicodeScalars)
            case "\t": result.append(contentsOf: "\\t".unicodeScalars)
            case "\n": result.append(contentsOf: "\\n".unicodeScalars)
            case "\r": result.append(contentsOf: "\\r".unicodeScalars)
            case quote: result.append("\\"); result.append(quote)
            case _ where printable(scalar): result.append(scalar)
            default: result.append(contentsOf: escape(scalar.value).unicodeScalars)
            }
        }
        result.append(quote)
        return String(result)
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

    /// \xhh, \uhhhh or \Uhhhhhhhh, the shortest that holds the value.
    static func escape(_ value: UInt32) -> String {
        if value < 0x100 { return "\\x" + TextFormatting.hex(value, width: 2) }
        if value < 0x10000 { return "\\u" + TextFormatting.hex(value, width: 4) }
        return "\\U" + TextFormatting.hex(value, width: 8)
    }
}
