import CMariaDB
import Glibc

/// One MariaDB Connector/C connection, set up as mysqlclient and Django set
/// theirs up: the options before connecting, the charset, FOUND_ROWS, then
/// `SET NAMES` (with OPTIONS collation as mysqlclient adds it), sql_mode
/// and the session isolation level. Statements go over the text protocol,
/// as mysqlclient sends them, one at a time (no multi-statement flag), as
/// bytes in the connection's charset: parameters are interpolated on the
/// client with the server's own escaping for that charset. Waits are
/// bounded by libmariadb's connect, read and write timeouts.
final class MySQLConnection {
    private let library: LibMariaDB
    private let handle: LibMariaDB.Connection
    let charset: String
    /// mysqlclient's codec for the charset; nil for one cachalot does not
    /// reproduce, where only ASCII text is sent or read.
    let codec: MySQLTextCodec?

    /// One column of a result, as the text protocol describes it.
    struct Field {
        var name: String
        var type: enum_field_types
        var flags: UInt32
        var charset: UInt32
    }

    struct Rows {
        var fields: [Field] = []
        var values: [[[UInt8]?]] = []
        var changed = 0
    }

    static let resultLimit = 256 << 20

    init(_ parameters: MySQLParameters) throws {
        library = try ClientLibrary.libmariadb.get()
        charset = parameters.charset
        codec = MySQLTextCodec(charset: parameters.charset)
        guard let handle = library.initialize(nil) else { throw MySQLError(code: 0, message: "libmariadb could not allocate a connection") }
        self.handle = handle
        // From here a throw runs deinit, which closes the handle.
        try setOption(MYSQL_OPT_CONNECT_TIMEOUT, parameters.connectTimeout)
        try setOption(MYSQL_OPT_READ_TIMEOUT, parameters.readTimeout)
        try setOption(MYSQL_OPT_WRITE_TIMEOUT, parameters.writeTimeout)
        try setOption(MYSQL_SET_CHARSET_NAME, parameters.charset)
        if let command = parameters.initCommand { try setOption(MYSQL_INIT_COMMAND, command) }
        if let file = parameters.readDefaultFile { try setOption(MYSQL_READ_DEFAULT_FILE, file) }
        if let group = parameters.readDefaultGroup { try setOption(MYSQL_READ_DEFAULT_GROUP, group) }
        if let plugin = parameters.authPlugin { try setOption(MYSQL_DEFAULT_AUTH, plugin) }
        if let key = parameters.serverPublicKeyPath { try setOption(MYSQL_SERVER_PUBLIC_KEY, key) }
        let sslOptions: [(String, mysql_option)] = [("key", MYSQL_OPT_SSL_KEY), ("cert", MYSQL_OPT_SSL_CERT), ("ca", MYSQL_OPT_SSL_CA),
                                                    ("capath", MYSQL_OPT_SSL_CAPATH), ("cipher", MYSQL_OPT_SSL_CIPHER)]
        for (name, option) in sslOptions { if let value = parameters.ssl[name] { try setOption(option, value) } }
        if let mode = parameters.sslMode {
            // mysqlclient's mapping of ssl_mode onto Connector/C's two switches.
            var enforce: my_bool = ["REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"].contains(mode) ? 1 : 0
            var verify: my_bool = ["VERIFY_CA", "VERIFY_IDENTITY"].contains(mode) ? 1 : 0
            _ = library.options(handle, MYSQL_OPT_SSL_ENFORCE, &enforce)
            _ = library.options(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify)
        }
        // CLIENT_FOUND_ROWS | CLIENT_MULTI_RESULTS; not MULTI_STATEMENTS: one statement per call.
        let flags: UInt = 2 | 131_072
        guard library.realConnect(handle, parameters.host, parameters.user, parameters.password, parameters.database,
                                  parameters.port, parameters.unixSocket, flags) != nil else { throw failure() }
        guard library.setCharacterSet(handle, parameters.charset) == 0 else { throw failure() }
        // MySQLdb's set_character_set, verbatim.
        if let collation = parameters.collation { try execute("SET NAMES \(parameters.charset) COLLATE \(collation)") }
        if let mode = parameters.sqlMode { try execute(Array("SET SESSION sql_mode = ".utf8) + literal(mode)) }
        if let level = parameters.isolationLevel { try execute("SET SESSION TRANSACTION ISOLATION LEVEL " + level.uppercased()) }
    }

    deinit { library.close(handle) }

    private func setOption(_ option: mysql_option, _ value: UInt32) throws {
        var value = value
        guard library.options(handle, option, &value) == 0 else { throw failure() }
    }

    private func setOption(_ option: mysql_option, _ value: String) throws {
        guard value.withCString({ library.options(handle, option, $0) }) == 0 else { throw failure() }
    }

    var serverVersion: String { library.serverInfo(handle).map { String(cString: $0) } ?? "" }

    /// `text.encode(encoding)` as mysqlclient encodes statements and str
    /// parameters; a character the charset cannot hold is refused, as
    /// Python raises UnicodeEncodeError (without a codec: ASCII only).
    func encoded(_ text: String) throws -> [UInt8] {
        if let bytes = codec.map({ $0.encode(text) }) ?? (text.unicodeScalars.allSatisfy(\.isASCII) ? Array(text.utf8) : nil) {
            return bytes
        }
        let character = text.unicodeScalars.first { scalar in
            (codec.map { $0.encode(String(scalar)) } ?? (scalar.isASCII ? [] : nil)) == nil
        }.map { "U+" + String($0.value, radix: 16, uppercase: true) } ?? "?"
        throw CachalotError.usage("\(quoted(text)) holds a character (\(character)) the connection's charset \(charset) cannot encode; Django's driver fails on it, and so does cachalot: nothing was run")
    }

    /// The text of bytes the server sent in the connection's charset, as
    /// mysqlclient decodes it; nil where Python's codec fails.
    func decoded(_ bytes: [UInt8]) -> String? {
        codec.map { $0.decode(bytes) } ?? (bytes.allSatisfy { $0 < 0x80 } ? String(decoding: bytes, as: UTF8.self) : nil)
    }

    /// mysqlclient's `literal(str)`: the text encoded in the connection's
    /// charset, escaped by mysql_real_escape_string for that charset (which
    /// also follows NO_BACKSLASH_ESCAPES) and quoted.
    func literal(_ text: String) throws -> [UInt8] {
        let bytes = try encoded(text)
        var escaped = [CChar](repeating: 0, count: bytes.count * 2 + 1)
        let length = bytes.withUnsafeBufferPointer { source in
            source.withMemoryRebound(to: CChar.self) { library.escape(handle, &escaped, $0.baseAddress, UInt(source.count)) }
        }
        return [UInt8(ascii: "'")] + escaped.prefix(Int(length)).map { UInt8(bitPattern: $0) } + [UInt8(ascii: "'")]
    }

    /// A statement given as text, sent in the connection's charset.
    @discardableResult
    func execute(_ sql: String) throws -> Rows { try execute(encoded(sql)) }

    /// Runs one statement; rows stream in and are refused past the limit.
    @discardableResult
    func execute(_ bytes: [UInt8]) throws -> Rows {
        let sql = shown(bytes)
        guard bytes.withUnsafeBufferPointer({ buffer in
            buffer.withMemoryRebound(to: CChar.self) { library.realQuery(handle, $0.baseAddress, UInt(buffer.count)) }
        }) == 0 else { throw failure(sql) }
        var rows = Rows()
        if library.fieldCount(handle) == 0 {
            rows.changed = Int(library.affectedRows(handle))
        } else {
            guard let result = library.useResult(handle) else { throw failure(sql) }
            defer { library.freeResult(result) }
            let count = Int(library.numFields(result))
            if let fields = library.fetchFields(result) {
                rows.fields = (0..<count).map { index in
                    let field = fields[index]
                    return Field(name: field.name.map { shown(UnsafePointer($0)) } ?? "?", type: field.type, flags: field.flags, charset: field.charsetnr)
                }
            }
            var bytes = 0
            while let row = library.fetchRow(result) {
                guard let lengths = library.fetchLengths(result) else { break }
                bytes += 32 + 48 * count
                rows.values.append((0..<count).map { index in
                    guard let value = row[index] else { return nil }
                    let length = Int(lengths[index])
                    bytes += length
                    return value.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
                })
                guard bytes <= Self.resultLimit else {
                    throw MySQLError(code: 0, message: "the result is larger than \(Self.resultLimit >> 20) MiB; cachalot refuses it", sql: sql)
                }
            }
            if library.errno(handle) != 0 { throw failure(sql) }
        }
        // A CALL's further results: read and dropped.
        while library.nextResult(handle) == 0 {
            if let more = library.useResult(handle) { library.freeResult(more) }
        }
        return rows
    }

    /// The result columns of a statement, from a server-side prepare that
    /// does not run it (empty for a statement without a result, or one the
    /// server cannot prepare).
    func columns(_ bytes: [UInt8]) throws -> [String] {
        let sql = shown(bytes)
        guard let statement = library.statementInit(handle) else { throw failure(sql) }
        defer { _ = library.statementClose(statement) }
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { library.statementPrepare(statement, $0.baseAddress, UInt(buffer.count)) }
        }
        guard status == 0 else {
            let code = library.statementErrno(statement)
            // 1295: this statement cannot be prepared; its columns come with its rows.
            if code == 1295 { return [] }
            throw MySQLError(code: code, message: library.statementError(statement).map(shown) ?? "", sql: sql)
        }
        guard let metadata = library.statementMetadata(statement) else { return [] }
        defer { library.freeResult(metadata) }
        let count = Int(library.numFields(metadata))
        guard let fields = library.fetchFields(metadata) else { return [] }
        return (0..<count).map { fields[$0].name.map { shown(UnsafePointer($0)) } ?? "?" }
    }

    /// Text the server sent (a statement, a column name, a message) as it
    /// is shown, never failing.
    private func shown(_ bytes: [UInt8]) -> String { decoded(bytes) ?? String(decoding: bytes, as: UTF8.self) }

    private func shown(_ text: UnsafePointer<CChar>) -> String {
        shown(Array(UnsafeRawBufferPointer(start: text, count: strlen(text))))
    }

    private func failure(_ sql: String? = nil) -> MySQLError {
        MySQLError(code: library.errno(handle), message: library.error(handle).map(shown) ?? "unknown error", sql: sql)
    }
}

/// An error from the server or from libmariadb: its number, message and
/// the statement it came from.
struct MySQLError: Error, CustomStringConvertible {
    var code: UInt32
    var message: String
    var sql: String?

    var description: String {
        (code == 0 ? message : "\(message) (MySQL error \(code))") + (sql.map { " in: \(quoted($0))" } ?? "")
    }
}
