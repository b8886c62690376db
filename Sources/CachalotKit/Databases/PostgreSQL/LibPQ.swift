import CPq

/// The libpq functions cachalot uses (ClientLibrary.libpq), each typed from
/// libpq-fe.h. Only the asynchronous API is used, so every wait is
/// cachalot's own poll with a deadline.
struct LibPQ: LibraryFunctions, @unchecked Sendable {
    typealias Connection = OpaquePointer
    typealias Result = OpaquePointer
    typealias Strings = UnsafePointer<UnsafePointer<CChar>?>

    let connectStartParams: cachalot_PQconnectStartParams_fn
    let connectPoll: cachalot_PQconnectPoll_fn
    let status: cachalot_PQstatus_fn
    let errorMessage: cachalot_PQerrorMessage_fn
    let socket: cachalot_PQsocket_fn
    let finish: cachalot_PQfinish_fn
    let setNonBlocking: cachalot_PQsetnonblocking_fn
    let sendQueryParams: cachalot_PQsendQueryParams_fn
    let sendPrepare: cachalot_PQsendPrepare_fn
    let sendDescribePrepared: cachalot_PQsendDescribePrepared_fn
    let setSingleRowMode: cachalot_PQsetSingleRowMode_fn
    let flush: cachalot_PQflush_fn
    let consumeInput: cachalot_PQconsumeInput_fn
    let isBusy: cachalot_PQisBusy_fn
    let getResult: cachalot_PQgetResult_fn
    let resultStatus: cachalot_PQresultStatus_fn
    let resultErrorField: cachalot_PQresultErrorField_fn
    let resultErrorMessage: cachalot_PQresultErrorMessage_fn
    let ntuples: cachalot_PQntuples_fn
    let nfields: cachalot_PQnfields_fn
    let nparams: cachalot_PQnparams_fn
    let fname: cachalot_PQfname_fn
    let ftype: cachalot_PQftype_fn
    let getvalue: cachalot_PQgetvalue_fn
    let getlength: cachalot_PQgetlength_fn
    let getisnull: cachalot_PQgetisnull_fn
    let cmdTuples: cachalot_PQcmdTuples_fn
    let clear: cachalot_PQclear_fn
    let serverVersion: cachalot_PQserverVersion_fn
    let parameterStatus: cachalot_PQparameterStatus_fn

    init(_ library: DynamicLibrary) throws {
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
}
