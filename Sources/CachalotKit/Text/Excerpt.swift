/// A value from outside, quoted for a message: at most `limit` characters
/// (a hostile 50 MB value is quoted by its start), control characters
/// escaped so that a message stays one line: `"cache\u0000evil"`.
public func quoted(_ text: some StringProtocol, limit: Int = 60) -> String {
    var result = "\""
    for (index, character) in text.enumerated() {
        guard index < limit else {
            result += "…"
            break
        }
        switch character {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case _ where character.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }):
            for scalar in character.unicodeScalars {
                result += scalar.value < 0x20 || scalar.value == 0x7f ? "\\u" + TextFormatting.hex(scalar.value, width: 4) : String(scalar)
            }
        default: result.append(character)
        }
    }
    return result + "\""
}
