import CSQLite

/// A read-only SQLite connection. Errors carry the SQLite message and the
/// SQL that failed, as GRDB's do.
final class SQLiteConnection {
    struct Failure: Error, CustomStringConvertible {
        var code: Int32
        var message: String
        var sql: String?
        var description: String {
            sql.map { "\(message) (SQLite error \(code)) in: \($0)" } ?? "\(message) (SQLite error \(code))"
        }
    }

    let handle: OpaquePointer

    /// Opens `path`, read-only unless `writable`. A missing file is an
    /// error: SQLite would otherwise create an empty database in its place.
    init(path: String, writable: Bool = false) throws {
        guard FileSystem.exists(path) else {
            throw Failure(code: SQLITE_CANTOPEN, message: "no such database file: \(path)")
        }
        var handle: OpaquePointer?
        let mode = writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY
        let status = sqlite3_open_v2(path, &handle, mode | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            sqlite3_close(handle)
            throw Failure(code: status, message: message)
        }
        self.handle = handle
        // Django may be writing: wait for its lock rather than fail at once.
        sqlite3_busy_timeout(handle, 5000)
        Self.addRealBits(handle)
    }

    /// `cachalot_real_bits(x)`: a REAL's eight bytes as 16 hex digits, NULL
    /// for any other type. `sync`'s evidence hashes reals by it: SQLite's
    /// printf drops the sign of -0.0, which a column of no declared type
    /// keeps and the site reads back.
    private static func addRealBits(_ handle: OpaquePointer) {
        sqlite3_create_function_v2(handle, "cachalot_real_bits", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil, { context, _, values in
            guard let value = values?[0], sqlite3_value_type(value) == SQLITE_FLOAT else {
                sqlite3_result_null(context)
                return
            }
            let hex = String(sqlite3_value_double(value).bitPattern, radix: 16)
            let padded = String(repeating: "0", count: 16 - hex.utf8.count) + hex
            // SQLITE_TRANSIENT: SQLite copies the text before `padded` goes.
            sqlite3_result_text(context, padded, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        }, nil, nil, nil)
    }

    deinit { sqlite3_close(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `sql` and returns every row as text columns (NULL as nil).
    func textRows(_ sql: String) throws -> [[String?]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw failure(sql)
        }
        defer { sqlite3_finalize(statement) }
        var result: [[String?]] = []
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW:
                result.append((0..<sqlite3_column_count(statement)).map { column in
                    sqlite3_column_text(statement, column).map { String(cString: $0) }
                })
            case SQLITE_DONE:
                return result
            default:
                throw failure(sql)
            }
        }
    }

    func failure(_ sql: String) -> Failure {
        Failure(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}
