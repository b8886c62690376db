import CMariaDB

/// The MariaDB Connector/C functions cachalot uses (ClientLibrary.libmariadb),
/// each typed from mysql.h. Its authentication plugins (MySQL 8's
/// caching_sha2_password) are loaded by the library itself from its plugin
/// folder.
struct LibMariaDB: LibraryFunctions, @unchecked Sendable {
    typealias Connection = UnsafeMutablePointer<MYSQL>
    typealias Result = UnsafeMutablePointer<MYSQL_RES>

    let initialize: cachalot_mysql_init_fn
    let options: cachalot_mysql_options_fn
    let realConnect: cachalot_mysql_real_connect_fn
    let close: cachalot_mysql_close_fn
    let errno: cachalot_mysql_errno_fn
    let error: cachalot_mysql_error_fn
    let setCharacterSet: cachalot_mysql_set_character_set_fn
    let realQuery: cachalot_mysql_real_query_fn
    let useResult: cachalot_mysql_use_result_fn
    let freeResult: cachalot_mysql_free_result_fn
    let fieldCount: cachalot_mysql_field_count_fn
    let numFields: cachalot_mysql_num_fields_fn
    let fetchFields: cachalot_mysql_fetch_fields_fn
    let fetchRow: cachalot_mysql_fetch_row_fn
    let fetchLengths: cachalot_mysql_fetch_lengths_fn
    let affectedRows: cachalot_mysql_affected_rows_fn
    let nextResult: cachalot_mysql_next_result_fn
    let escape: cachalot_mysql_real_escape_string_fn
    let serverInfo: cachalot_mysql_get_server_info_fn
    let statementInit: cachalot_mysql_stmt_init_fn
    let statementPrepare: cachalot_mysql_stmt_prepare_fn
    let statementMetadata: cachalot_mysql_stmt_result_metadata_fn
    let statementClose: cachalot_mysql_stmt_close_fn
    let statementErrno: cachalot_mysql_stmt_errno_fn
    let statementError: cachalot_mysql_stmt_error_fn

    init(_ library: DynamicLibrary) throws {
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
}
