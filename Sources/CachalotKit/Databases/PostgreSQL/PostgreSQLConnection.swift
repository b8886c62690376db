import CPq
import Glibc

/// One libpq connection, driven through the asynchronous API with poll() so
/// that connecting and every statement end by a deadline, whatever the
/// server does. Statements are sent with the extended protocol: one
/// statement per call, parameters bound as text by the server.
final class PostgreSQLConnection {
    private let pq: LibPQ
    private let handle: LibPQ.Connection
    /// Longest time one statement (sending, running, reading) may take.
    let timeout: Double
    /// Why the connection can no longer be used (a timeout or a COPY left
    /// it in the middle of an exchange).
    private var broken: String?

    /// Connects with libpq keyword/value pairs (never a conninfo string).
    init(parameters: [(keyword: String, value: String)], timeout: Double, connectTimeout: Double) throws {
        let pq = try ClientLibrary.libpq.get()
        self.pq = pq
        self.timeout = timeout
        let started: LibPQ.Connection? = try Self.withCStrings(parameters.map(\.keyword)) { keywords in
            try Self.withCStrings(parameters.map(\.value)) { values in
                pq.connectStartParams(keywords, values, 0)
            }
        }
        guard let started else { throw PostgreSQLError(message: "libpq could not allocate a connection (out of memory)") }
        handle = started
        // From here a throw runs deinit, which finishes the connection.
        try finishConnecting(until: .after(connectTimeout), connectTimeout: connectTimeout)
        guard pq.setNonBlocking(handle, 1) == 0 else { throw failure(nil) }
    }

    deinit { pq.finish(handle) }

    private func finishConnecting(until deadline: Deadline, connectTimeout: Double) throws {
        guard pq.status(handle) != CONNECTION_BAD else { throw failure(nil) }
        var state = PGRES_POLLING_WRITING
        while true {
            switch state {
            case PGRES_POLLING_OK:
                return
            case PGRES_POLLING_FAILED:
                throw failure(nil)
            default:
                let events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT
                guard try deadline.wait(for: pq.socket(handle), events: Int16(events)) else {
                    throw PostgreSQLError(message: "no answer within \(PythonFloatRepr.repr(connectTimeout)) s while connecting (connect_timeout)", timedOut: true)
                }
            }
            state = pq.connectPoll(handle)
        }
    }

    /// `PQparameterStatus`: what the server reported at start-up.
    func parameter(_ name: String) -> String? {
        pq.parameterStatus(handle, name).map { String(cString: $0) }
    }

    var serverVersion: Int { Int(pq.serverVersion(handle)) }

    /// Runs one statement with text parameters (nil is NULL) and returns
    /// its rows as text. A result larger than `byteLimit` is refused while
    /// it streams in, so memory stays bounded.
    @discardableResult
    func execute(_ sql: String, parameters: [String?] = [], byteLimit: Int = PostgreSQLConnection.resultLimit) throws -> PostgreSQLRows {
        if let broken { throw PostgreSQLError(message: broken, sql: sql) }
        let deadline = Deadline.after(timeout)
        let sent = try Self.withCStrings(parameters) { values in
            pq.sendQueryParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard sent == 1 else { throw failure(sql) }
        _ = pq.setSingleRowMode(handle)
        try flush(until: deadline)
        var rows = PostgreSQLRows()
        var bytes = 0
        var error: PostgreSQLError?
        while let result = try nextResult(until: deadline) {
            defer { pq.clear(result) }
            let status = pq.resultStatus(result)
            switch status {
            case PGRES_SINGLE_TUPLE, PGRES_TUPLES_OK:
                if rows.columns.isEmpty { rows.describe(result, pq) }
                guard error == nil else { continue }
                bytes += rows.append(result, pq)
                if bytes > byteLimit {
                    rows.values = []
                    error = PostgreSQLError(message: "the result is larger than \(byteLimit >> 20) MiB; cachalot refuses it", sql: sql)
                }
            case PGRES_COMMAND_OK:
                rows.changed = pq.cmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
            default:
                if error == nil { error = resultFailure(result, sql) }
            }
        }
        if let error { throw error }
        return rows
    }

    /// Prepares `sql` unnamed and describes it: result columns and the
    /// number of placeholders, without running it.
    func describe(_ sql: String) throws -> (columns: [String], types: [Oid], parameterCount: Int) {
        if let broken { throw PostgreSQLError(message: broken, sql: sql) }
        let deadline = Deadline.after(timeout)
        guard pq.sendPrepare(handle, "", sql, 0, nil) == 1 else { throw failure(sql) }
        try flush(until: deadline)
        try drain(sql, until: deadline)
        guard pq.sendDescribePrepared(handle, "") == 1 else { throw failure(sql) }
        try flush(until: deadline)
        var described = (columns: [String](), types: [Oid](), parameterCount: 0)
        var error: PostgreSQLError?
        while let result = try nextResult(until: deadline) {
            defer { pq.clear(result) }
            guard pq.resultStatus(result) == PGRES_COMMAND_OK else {
                if error == nil { error = resultFailure(result, sql) }
                continue
            }
            var rows = PostgreSQLRows()
            rows.describe(result, pq)
            described = (rows.columns, rows.types, Int(pq.nparams(result)))
        }
        if let error { throw error }
        return described
    }

    /// Reads the results of the last command, failing on the first error.
    private func drain(_ sql: String, until deadline: Deadline) throws {
        var error: PostgreSQLError?
        while let result = try nextResult(until: deadline) {
            defer { pq.clear(result) }
            let status = pq.resultStatus(result)
            if status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && error == nil {
                error = resultFailure(result, sql)
            }
        }
        if let error { throw error }
    }

    private func flush(until deadline: Deadline) throws {
        while true {
            let state = pq.flush(handle)
            if state == 0 { return }
            guard state == 1 else { throw failure(nil) }
            guard try deadline.wait(for: pq.socket(handle), events: Int16(POLLOUT | POLLIN)) else { throw timedOut() }
            guard pq.consumeInput(handle) == 1 else { throw failure(nil) }
        }
    }

    /// The next result once libpq has it whole; nil after the last one. A
    /// COPY would hand out results forever: it ends the connection's use.
    private func nextResult(until deadline: Deadline) throws -> LibPQ.Result? {
        if deadline.hasPassed { throw timedOut() }
        while pq.isBusy(handle) == 1 {
            guard try deadline.wait(for: pq.socket(handle), events: Int16(POLLIN)) else { throw timedOut() }
            guard pq.consumeInput(handle) == 1 else { throw failure(nil) }
        }
        guard let result = pq.getResult(handle) else { return nil }
        let status = pq.resultStatus(result)
        if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
            pq.clear(result)
            broken = "COPY is not supported: cachalot runs statements that return rows or a row count"
            throw PostgreSQLError(message: broken!)
        }
        return result
    }

    private func timedOut() -> PostgreSQLError {
        let message = "no answer within \(PythonFloatRepr.repr(timeout)) s (--timeout)"
        broken = message
        return PostgreSQLError(message: message, timedOut: true)
    }

    /// The connection's last error, on one line.
    private func failure(_ sql: String?) -> PostgreSQLError {
        let text = pq.errorMessage(handle).map { String(cString: $0) } ?? "unknown libpq error"
        return PostgreSQLError(message: PostgreSQLError.oneLine(text), sql: sql)
    }

    private func resultFailure(_ result: LibPQ.Result, _ sql: String) -> PostgreSQLError {
        func field(_ code: UInt8) -> String? { pq.resultErrorField(result, Int32(code)).map { String(cString: $0) } }
        let message = field(UInt8(ascii: "M")) ?? pq.resultErrorMessage(result).map { String(cString: $0) } ?? "unknown error"
        let severity = field(UInt8(ascii: "S")) ?? "ERROR"
        return PostgreSQLError(message: "\(severity):  \(PostgreSQLError.oneLine(message))", sqlState: field(UInt8(ascii: "C")), sql: sql)
    }

    /// Calls `body` with a NULL-terminated array of C strings (nil stays NULL).
    private static func withCStrings<Result>(_ strings: [String?], _ body: (LibPQ.Strings) throws -> Result) throws -> Result {
        let copies = strings.map { $0.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return try pointers.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// The most text a result may hold (the rows become one cache entry).
    static let resultLimit = 256 << 20
}

/// A failure reported by libpq or the server: its message, the SQLSTATE
/// when the server sent one, and the statement it came from.
struct PostgreSQLError: Error, CustomStringConvertible {
    var message: String
    var sqlState: String?
    var sql: String?
    var timedOut = false

    init(message: String, sqlState: String? = nil, sql: String? = nil, timedOut: Bool = false) {
        self.message = message
        self.sqlState = sqlState
        self.sql = sql
        self.timedOut = timedOut
    }

    var description: String {
        message + (sqlState.map { " (SQLSTATE \($0))" } ?? "") + (sql.map { " in: \(quoted($0))" } ?? "")
    }

    /// libpq's messages end in a newline and indent their second lines.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmed() }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}
