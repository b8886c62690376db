/// A JSON string literal, scalar by scalar (a Character may join "\r\n",
/// or a quote and a combining mark, which must still be escaped): what
/// cachalot's JSON output and the settings file `init` writes share.
/// (django-redis's JSON serializer writes Python's ensure_ascii form
/// instead: `DjangoJSON`.)
public func jsonStringLiteral(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20: result += "\\u" + TextFormatting.hex(scalar.value, width: 4)
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
