import CachalotKit
import Glibc

/// Rows of columns as people and scripts read them: on a terminal a header
/// row and aligned columns; otherwise tab-separated rows without a header,
/// as `cut -f` and `awk -F'\t'` want them.
enum ColumnText {
    static func lines(header: [String], rows: [[String]], terminal: Bool = isatty(STDOUT_FILENO) == 1) -> [String] {
        terminal ? aligned([header] + rows) : rows.map { $0.joined(separator: "\t") }
    }

    /// Every column padded to its widest cell, but the last.
    static func aligned(_ rows: [[String]]) -> [String] {
        guard let columns = rows.map(\.count).max(), columns > 0 else { return [] }
        let widths = (0..<columns - 1).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in index < widths.count ? TextFormatting.padded(cell, to: widths[index]) : cell }
                .joined(separator: "  ")
        }
    }
}
