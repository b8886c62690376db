import CachalotKit

/// Query results as an aligned table, CSV (RFC 4180), TSV or JSON.
enum RowFormatter {
    static func render(columns: [String], rows: [[PickleValue]], format: RowFormat) -> String {
        switch format {
        case .csv: return csv(columns: columns, rows: rows)
        case .tsv: return tsv(columns: columns, rows: rows)
        case .json: return json(columns: columns, rows: rows).serialized + "\n"
        case .table: return table(columns: columns, rows: rows)
        }
    }

    static func cell(_ value: PickleValue) -> String {
        value == .none ? "NULL" : PythonObjectRepr.str(value)
    }

    static func table(columns: [String], rows: [[PickleValue]]) -> String {
        let cells = rows.map { $0.map(cell) }
        let widths = columns.indices.map { index in
            ([columns[index]] + cells.compactMap { index < $0.count ? $0[index] : nil }).map(\.count).max() ?? 0
        }
        func line(_ values: [String]) -> String {
            String(zip(values, widths).map { TextFormatting.padded($0, to: $1) }.joined(separator: "  ")
                .reversed().drop { $0 == " " }.reversed())
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(columns), rule] + cells.map(line)).joined(separator: "\n") + "\n"
            + "(\(TextFormatting.counted(rows.count, "row")))\n"
    }

    /// RFC 4180: CRLF line ends; fields with a comma, quote, CR or LF quoted,
    /// quotes doubled; a row of one empty field is `""`, as Python's csv
    /// writes it (an empty line would be no row to a reader).
    static func csv(columns: [String], rows: [[PickleValue]]) -> String {
        func field(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return text }
            return "\"" + text.escaping { $0 == "\"" ? "\"\"" : nil } + "\""
        }
        let lines = [columns.map(field)] + rows.map { $0.map { $0 == .none ? "" : field(PythonObjectRepr.str($0)) } }
        return lines.map { ($0 == [""] ? "\"\"" : $0.joined(separator: ",")) + "\r\n" }.joined()
    }

    /// Tab-separated, with \\, tab, LF and CR escaped and NULL as \N.
    static func tsv(columns: [String], rows: [[PickleValue]]) -> String {
        func field(_ text: String) -> String {
            text.escaping { ["\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"][$0] }
        }
        let lines = [columns.map(field)] + rows.map { $0.map { $0 == .none ? "\\N" : field(PythonObjectRepr.str($0)) } }
        return lines.map { $0.joined(separator: "\t") + "\n" }.joined()
    }

    /// An array of objects keyed by column; bytes as base64, objects as str().
    static func json(columns: [String], rows: [[PickleValue]]) -> JSONValue {
        .array(rows.map { row in
            .object(zip(columns, row).map { ($0, jsonValue($1)) })
        })
    }

    static func jsonValue(_ value: PickleValue) -> JSONValue {
        switch value {
        case .none: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .int(number)
        case .float(let number): return .number(number)
        case .string(let text): return .string(text)
        case .bytes(let data): return .string(Base64.encode(data))
        default: return .string(PythonObjectRepr.str(value))
        }
    }
}
