import CMariaDB

/// The MariaDB Connector/C functions cachalot uses, resolved from
/// libmariadb.so.3 (Debian's libmariadb3, what mysqlclient builds on) on
/// first use. Its authentication plugins (MySQL 8's caching_sha2_password)
/// are loaded by the library itself from its plugin folder.
struct LibMariaDB: @unchecked Sendable {
    typealias Connection = UnsafeMutablePointer<MYSQL>
    typealias Result = UnsafeMutablePointer<MYSQL_RES>

    let initialize: @convention(c) (Connection?) -> Connection?
    let options: @convention(c) (Connection?, mysql_option, UnsafeRawPointer?) -> Int32
    let realConnect: @convention(c) (Connection?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                                     UnsafePointer<CChar>?, UInt32, UnsafePointer<CChar>?, UInt) -> Connection?
    let close: @convention(c) (Connection?) -> Void
    let errno: @convention(c) (Connection?) -> UInt32
    let error: @convention(c) (Connection?) -> UnsafePointer<CChar>?
    let setCharacterSet: @convention(c) (Connection?, UnsafePointer<CChar>?) -> Int32
    let realQuery: @convention(c) (Connection?, UnsafePointer<CChar>?, UInt) -> Int32
    let useResult: @convention(c) (Connection?) -> Result?
    let freeResult: @convention(c) (Result?) -> Void
    let fieldCount: @convention(c) (Connection?) -> UInt32
    let numFields: @convention(c) (Result?) -> UInt32
    let fetchFields: @convention(c) (Result?) -> UnsafeMutablePointer<MYSQL_FIELD>?
    let fetchRow: @convention(c) (Result?) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    let fetchLengths: @convention(c) (Result?) -> UnsafeMutablePointer<UInt>?
    let affectedRows: @convention(c) (Connection?) -> UInt64
    let nextResult: @convention(c) (Connection?) -> Int32
    let escape: @convention(c) (Connection?, UnsafeMutablePointer<CChar>?, UnsafePointer<CChar>?, UInt) -> UInt
    let serverInfo: @convention(c) (Connection?) -> UnsafePointer<CChar>?
    let statementInit: @convention(c) (Connection?) -> UnsafeMutablePointer<MYSQL_STMT>?
    let statementPrepare: @convention(c) (UnsafeMutablePointer<MYSQL_STMT>?, UnsafePointer<CChar>?, UInt) -> Int32
    let statementMetadata: @convention(c) (UnsafeMutablePointer<MYSQL_STMT>?) -> Result?
    let statementClose: @convention(c) (UnsafeMutablePointer<MYSQL_STMT>?) -> my_bool
    let statementErrno: @convention(c) (UnsafeMutablePointer<MYSQL_STMT>?) -> UInt32
    let statementError: @convention(c) (UnsafeMutablePointer<MYSQL_STMT>?) -> UnsafePointer<CChar>?

    private init(_ library: DynamicLibrary) throws {
        initialize = try library.function("mysql_init")
        options = try library.function("mysql_options")
        realConnect = try library.function("mysql_real_connect")
        close = try library.function("mysql_close")
        errno = try library.function("mysql_errno")
        error = try library.function("mysql_error")
        setCharacterSet = try library.function("mysql_set_character_set")
        realQuery = try library.function("mysql_real_query")
        useResult = try library.function("mysql_use_result")
        freeResult = try library.function("mysql_free_result")
        fieldCount = try library.function("mysql_field_count")
        numFields = try library.function("mysql_num_fields")
        fetchFields = try library.function("mysql_fetch_fields")
        fetchRow = try library.function("mysql_fetch_row")
        fetchLengths = try library.function("mysql_fetch_lengths")
        affectedRows = try library.function("mysql_affected_rows")
        nextResult = try library.function("mysql_next_result")
        escape = try library.function("mysql_real_escape_string")
        serverInfo = try library.function("mysql_get_server_info")
        statementInit = try library.function("mysql_stmt_init")
        statementPrepare = try library.function("mysql_stmt_prepare")
        statementMetadata = try library.function("mysql_stmt_result_metadata")
        statementClose = try library.function("mysql_stmt_close")
        statementErrno = try library.function("mysql_stmt_errno")
        statementError = try library.function("mysql_stmt_error")
    }

    private static let loaded: Swift.Result<LibMariaDB, CachalotError> = {
        do {
            return .success(try LibMariaDB(DynamicLibrary(soname: "libmariadb.so.3", package: "libmariadb3")))
        } catch {
            return .failure(CachalotError(error))
        }
    }()

    static func load() throws -> LibMariaDB { try loaded.get() }
}
