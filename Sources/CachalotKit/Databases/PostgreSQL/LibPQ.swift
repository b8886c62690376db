import CPq

/// The libpq functions cachalot uses, resolved from libpq.so.5 (Debian's
/// libpq5, what psycopg wraps) on first use. Only the asynchronous API is
/// used, so every wait is cachalot's own poll with a deadline.
struct LibPQ: @unchecked Sendable {
    typealias Connection = OpaquePointer
    typealias Result = OpaquePointer
    typealias Strings = UnsafePointer<UnsafePointer<CChar>?>

    let connectStartParams: @convention(c) (Strings?, Strings?, Int32) -> Connection?
    let connectPoll: @convention(c) (Connection?) -> PostgresPollingStatusType
    let status: @convention(c) (Connection?) -> ConnStatusType
    let errorMessage: @convention(c) (Connection?) -> UnsafeMutablePointer<CChar>?
    let socket: @convention(c) (Connection?) -> Int32
    let finish: @convention(c) (Connection?) -> Void
    let setNonBlocking: @convention(c) (Connection?, Int32) -> Int32
    let sendQueryParams: @convention(c) (Connection?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?, Strings?,
                                         UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32) -> Int32
    let sendPrepare: @convention(c) (Connection?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?) -> Int32
    let sendDescribePrepared: @convention(c) (Connection?, UnsafePointer<CChar>?) -> Int32
    let setSingleRowMode: @convention(c) (Connection?) -> Int32
    let flush: @convention(c) (Connection?) -> Int32
    let consumeInput: @convention(c) (Connection?) -> Int32
    let isBusy: @convention(c) (Connection?) -> Int32
    let getResult: @convention(c) (Connection?) -> Result?
    let resultStatus: @convention(c) (Result?) -> ExecStatusType
    let resultErrorField: @convention(c) (Result?, Int32) -> UnsafeMutablePointer<CChar>?
    let resultErrorMessage: @convention(c) (Result?) -> UnsafeMutablePointer<CChar>?
    let ntuples: @convention(c) (Result?) -> Int32
    let nfields: @convention(c) (Result?) -> Int32
    let nparams: @convention(c) (Result?) -> Int32
    let fname: @convention(c) (Result?, Int32) -> UnsafeMutablePointer<CChar>?
    let ftype: @convention(c) (Result?, Int32) -> Oid
    let getvalue: @convention(c) (Result?, Int32, Int32) -> UnsafeMutablePointer<CChar>?
    let getlength: @convention(c) (Result?, Int32, Int32) -> Int32
    let getisnull: @convention(c) (Result?, Int32, Int32) -> Int32
    let cmdTuples: @convention(c) (Result?) -> UnsafeMutablePointer<CChar>?
    let clear: @convention(c) (Result?) -> Void
    let serverVersion: @convention(c) (Connection?) -> Int32
    let parameterStatus: @convention(c) (Connection?, UnsafePointer<CChar>?) -> UnsafePointer<CChar>?

    private init(_ library: DynamicLibrary) throws {
        connectStartParams = try library.function("PQconnectStartParams")
        connectPoll = try library.function("PQconnectPoll")
        status = try library.function("PQstatus")
        errorMessage = try library.function("PQerrorMessage")
        socket = try library.function("PQsocket")
        finish = try library.function("PQfinish")
        setNonBlocking = try library.function("PQsetnonblocking")
        sendQueryParams = try library.function("PQsendQueryParams")
        sendPrepare = try library.function("PQsendPrepare")
        sendDescribePrepared = try library.function("PQsendDescribePrepared")
        setSingleRowMode = try library.function("PQsetSingleRowMode")
        flush = try library.function("PQflush")
        consumeInput = try library.function("PQconsumeInput")
        isBusy = try library.function("PQisBusy")
        getResult = try library.function("PQgetResult")
        resultStatus = try library.function("PQresultStatus")
        resultErrorField = try library.function("PQresultErrorField")
        resultErrorMessage = try library.function("PQresultErrorMessage")
        ntuples = try library.function("PQntuples")
        nfields = try library.function("PQnfields")
        nparams = try library.function("PQnparams")
        fname = try library.function("PQfname")
        ftype = try library.function("PQftype")
        getvalue = try library.function("PQgetvalue")
        getlength = try library.function("PQgetlength")
        getisnull = try library.function("PQgetisnull")
        cmdTuples = try library.function("PQcmdTuples")
        clear = try library.function("PQclear")
        serverVersion = try library.function("PQserverVersion")
        parameterStatus = try library.function("PQparameterStatus")
    }

    private static let loaded: Swift.Result<LibPQ, CachalotError> = {
        do {
            return .success(try LibPQ(DynamicLibrary(soname: "libpq.so.5", package: "libpq5")))
        } catch {
            return .failure(CachalotError(error))
        }
    }()

    /// The library, loaded once per process.
    static func load() throws -> LibPQ { try loaded.get() }
}
