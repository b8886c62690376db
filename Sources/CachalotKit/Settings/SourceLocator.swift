/// Finds the line and column of a key path in the settings file's text.
///
/// The readers do not report where each key was
/// written, so this looks for each key of the path in turn, each after the
/// previous one, as a whole word. It is a best effort: a miss gives no
/// position, never a wrong file.
struct SourceLocator {
    let lines: [Substring]

    init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func locate(_ path: [String]) -> (line: Int, column: Int)? {
        var line = 0, column = 0
        var found: (Int, Int)?
        for key in path where Int(key) == nil {
            guard let hit = find(key, fromLine: line, column: column) else { return found }
            (line, column) = hit
            found = (line + 1, column + 1)
            column += key.count
        }
        return found
    }

    private func find(_ key: String, fromLine start: Int, column: Int) -> (Int, Int)? {
        guard start < lines.count else { return nil }
        for index in start..<lines.count {
            let text = Array(lines[index])
            let keyChars = Array(key)
            var position = index == start ? column : 0
            while position + keyChars.count <= text.count {
                if Array(text[position..<position + keyChars.count]) == keyChars,
                   isBoundary(text, position - 1), isBoundary(text, position + keyChars.count) {
                    return (index, position)
                }
                position += 1
            }
        }
        return nil
    }

    private func isBoundary(_ text: [Character], _ index: Int) -> Bool {
        guard index >= 0, index < text.count else { return true }
        let c = text[index]
        return !(c.isLetter || c.isNumber || c == "_")
    }
}
