import CSQLite

/// A value as SQLite returns it, and as a DB-API driver hands it to Django.
public enum SQLValue: Equatable, Sendable {
    case null
    case integer(Int)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// The Python value sqlite3 returns for it.
    public var pickleValue: PickleValue {
        switch self {
        case .null: return .none
        case .integer(let value): return .int(value)
        case .real(let value): return .float(value)
        case .text(let value): return .string(value)
        case .blob(let value): return .bytes(value)
        }
    }
}

extension SQLiteConnection {
    /// Collects table names from the authorizer callback while preparing.
    private final class TableCollector {
        var reads: [String] = []
        var writes: [String] = []
    }

    func analyze(_ sql: String) throws -> StatementAnalysis {
        let collector = TableCollector()
        let box = Unmanaged.passRetained(collector)
        defer { box.release() }
        sqlite3_set_authorizer(handle, { userData, action, first, second, _, _ in
            guard let userData else { return SQLITE_OK }
            let collector = Unmanaged<TableCollector>.fromOpaque(userData).takeUnretainedValue()
            // Which argument names the table depends on the action (sqlite3.h).
            let argument: UnsafePointer<CChar>?
            switch action {
            case SQLITE_READ, SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE,
                 SQLITE_CREATE_TABLE, SQLITE_CREATE_TEMP_TABLE, SQLITE_DROP_TABLE, SQLITE_DROP_TEMP_TABLE,
                 SQLITE_CREATE_VIEW, SQLITE_CREATE_TEMP_VIEW, SQLITE_DROP_VIEW, SQLITE_DROP_TEMP_VIEW:
                argument = first
            case SQLITE_CREATE_INDEX, SQLITE_CREATE_TEMP_INDEX, SQLITE_DROP_INDEX, SQLITE_DROP_TEMP_INDEX,
                 SQLITE_CREATE_TRIGGER, SQLITE_CREATE_TEMP_TRIGGER, SQLITE_DROP_TRIGGER, SQLITE_DROP_TEMP_TRIGGER,
                 SQLITE_ALTER_TABLE:
                argument = second
            default:
                argument = nil
            }
            // sqlite_master, sqlite_schema, sqlite_sequence…: SQLite's own.
            guard let argument, case let table = String(cString: argument), !table.hasPrefix("sqlite_") else { return SQLITE_OK }
            if action == SQLITE_READ { collector.reads.append(table) } else { collector.writes.append(table) }
            return SQLITE_OK
        }, box.toOpaque())
        defer { sqlite3_set_authorizer(handle, nil, nil) }
        let statement = try prepare(sql)
        defer { sqlite3_finalize(statement) }
        // As sqlite3 names them on Django's connection (PARSE_COLNAMES).
        let columns = (0..<sqlite3_column_count(statement)).map {
            SQLiteConverter.shownName(String(cString: sqlite3_column_name(statement, $0)))
        }
        return StatementAnalysis(readTables: collector.reads.uniqued(), writtenTables: collector.writes.uniqued(), columns: columns,
                                 isReadOnly: sqlite3_stmt_readonly(statement) != 0,
                                 parameterCount: Int(sqlite3_bind_parameter_count(statement)))
    }

    /// Runs one statement with its parameters bound, returning every row.
    func run(_ sql: String, parameters: [SQLValue]) throws -> [[SQLValue]] {
        try run(sql, parameters: parameters) { statement in
            { Self.column(statement, $0) }
        }
    }

    /// Runs a read and returns the rows Django's cursor returns: sqlite3's
    /// values, through Django's converters where the column has one.
    func read(_ sql: String, parameters: [SQLValue], python: [Int]?) throws -> [[PickleValue]] {
        try run(sql, parameters: parameters) { statement in
            let converters = (0..<sqlite3_column_count(statement)).map { index in
                SQLiteConverter.of(columnName: sqlite3_column_name(statement, index).map { String(cString: $0) },
                                   declaredType: sqlite3_column_decltype(statement, index).map { String(cString: $0) })
            }
            return { index in
                let value = Self.column(statement, index)
                do {
                    if let converter = converters[Int(index)], value != .null { return try converter.convert(Self.bytes(statement, index), python: python) }
                    if case .text(let text) = value, Array(text.utf8) != Self.bytes(statement, index) {
                        throw SQLiteConverter.Refusal(description: "its text is not UTF-8, which Python's sqlite3 cannot decode")
                    }
                    return value.pickleValue
                } catch let refusal as SQLiteConverter.Refusal {
                    let name = SQLiteConverter.shownName(String(cString: sqlite3_column_name(statement, index)))
                    throw SQLiteConverter.Refusal(description: "column \(quoted(name)): \(refusal.description); nothing was stored")
                }
            }
        }
    }

    /// Binds, steps and turns each column of each row with what
    /// `valueReader` makes of the prepared statement.
    private func run<Value>(_ sql: String, parameters: [SQLValue],
                            valueReader: (OpaquePointer) -> (Int32) throws -> Value) throws -> [[Value]] {
        let statement = try prepare(sql)
        defer { sqlite3_finalize(statement) }
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard expected == parameters.count else {
            throw Failure(code: SQLITE_RANGE, message: "the statement has \(expected) placeholders, \(parameters.count) parameters were given", sql: sql)
        }
        for (index, parameter) in parameters.enumerated() {
            let position = Int32(index + 1)
            let status: Int32
            switch parameter {
            case .null: status = sqlite3_bind_null(statement, position)
            case .integer(let value): status = sqlite3_bind_int64(statement, position, Int64(value))
            case .real(let value): status = sqlite3_bind_double(statement, position, value)
            case .text(let value): status = sqlite3_bind_text(statement, position, value, -1, SQLITE_TRANSIENT)
            case .blob(let value): status = sqlite3_bind_blob(statement, position, value, Int32(value.count), SQLITE_TRANSIENT)
            }
            guard status == SQLITE_OK else { throw failure(sql) }
        }
        let value = valueReader(statement)
        var rows: [[Value]] = []
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW:
                rows.append(try (0..<sqlite3_column_count(statement)).map(value))
            case SQLITE_DONE:
                return rows
            default:
                throw failure(sql)
            }
        }
    }

    func execute(_ sql: String) throws {
        _ = try run(sql, parameters: [])
    }

    private func prepare(_ sql: String) throws -> OpaquePointer {
        var statement: OpaquePointer?
        let status = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let result = sqlite3_prepare_v2(handle, text, -1, &statement, &tail)
            guard result == SQLITE_OK else { return result }
            return onlyCommentsFollow(tail) ? SQLITE_OK : SQLITE_MISUSE
        }
        guard status == SQLITE_OK, let statement else {
            if let statement { sqlite3_finalize(statement) }
            if status == SQLITE_MISUSE {
                throw Failure(code: status, message: "give one SQL statement at a time", sql: sql)
            }
            throw failure(sql)
        }
        return statement
    }

    /// True when what follows the first statement compiles to nothing
    /// (whitespace, `;`, comments), as GRDB checks: `SELECT 1; -- done` is one
    /// statement, `SELECT 1; SELECT 2` is two.
    private func onlyCommentsFollow(_ tail: UnsafePointer<CChar>?) -> Bool {
        var rest = tail
        while let current = rest, current.pointee != 0 {
            var statement: OpaquePointer?
            var next: UnsafePointer<CChar>?
            let result = sqlite3_prepare_v2(handle, current, -1, &statement, &next)
            if let statement {
                sqlite3_finalize(statement)
                return false
            }
            guard result == SQLITE_OK, let next, next != current else { return result == SQLITE_OK }
            rest = next
        }
        return true
    }

    private static func column(_ statement: OpaquePointer, _ index: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(Int(sqlite3_column_int64(statement, index)))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT: return .text(String(decoding: bytes(statement, index), as: UTF8.self))
        case SQLITE_BLOB: return .blob(bytes(statement, index))
        default: return .null
        }
    }

    /// The value's bytes as sqlite3 hands them to a converter (numbers as
    /// SQLite's text for them); a text's bytes whole, NULs included.
    private static func bytes(_ statement: OpaquePointer, _ index: Int32) -> [UInt8] {
        let pointer = sqlite3_column_blob(statement, index)
        let count = Int(sqlite3_column_bytes(statement, index))
        guard count > 0, let pointer else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

/// SQLite's "copy the bound value now" destructor, which Swift cannot import as a macro.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
