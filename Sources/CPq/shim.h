// libpq's types and constants, and the type of every libpq function
// cachalot calls. The library itself is not linked: LibPQ.swift looks its
// functions up with dlsym (ClientLibrary.swift), each typed by its
// `cachalot_<function>_fn` below, taken from the declaration in libpq's
// own header, so the compiler checks every call against it.
#include <postgresql/libpq-fe.h>

typedef __typeof__(PQconnectStartParams) *cachalot_PQconnectStartParams_fn;
typedef __typeof__(PQconnectPoll) *cachalot_PQconnectPoll_fn;
typedef __typeof__(PQstatus) *cachalot_PQstatus_fn;
typedef __typeof__(PQerrorMessage) *cachalot_PQerrorMessage_fn;
typedef __typeof__(PQsocket) *cachalot_PQsocket_fn;
typedef __typeof__(PQfinish) *cachalot_PQfinish_fn;
typedef __typeof__(PQsetnonblocking) *cachalot_PQsetnonblocking_fn;
typedef __typeof__(PQsendQueryParams) *cachalot_PQsendQueryParams_fn;
typedef __typeof__(PQsendPrepare) *cachalot_PQsendPrepare_fn;
typedef __typeof__(PQsendDescribePrepared) *cachalot_PQsendDescribePrepared_fn;
typedef __typeof__(PQsetSingleRowMode) *cachalot_PQsetSingleRowMode_fn;
typedef __typeof__(PQflush) *cachalot_PQflush_fn;
typedef __typeof__(PQconsumeInput) *cachalot_PQconsumeInput_fn;
typedef __typeof__(PQisBusy) *cachalot_PQisBusy_fn;
typedef __typeof__(PQgetResult) *cachalot_PQgetResult_fn;
typedef __typeof__(PQresultStatus) *cachalot_PQresultStatus_fn;
typedef __typeof__(PQresultErrorField) *cachalot_PQresultErrorField_fn;
typedef __typeof__(PQresultErrorMessage) *cachalot_PQresultErrorMessage_fn;
typedef __typeof__(PQntuples) *cachalot_PQntuples_fn;
typedef __typeof__(PQnfields) *cachalot_PQnfields_fn;
typedef __typeof__(PQnparams) *cachalot_PQnparams_fn;
typedef __typeof__(PQfname) *cachalot_PQfname_fn;
typedef __typeof__(PQftype) *cachalot_PQftype_fn;
typedef __typeof__(PQgetvalue) *cachalot_PQgetvalue_fn;
typedef __typeof__(PQgetlength) *cachalot_PQgetlength_fn;
typedef __typeof__(PQgetisnull) *cachalot_PQgetisnull_fn;
typedef __typeof__(PQcmdTuples) *cachalot_PQcmdTuples_fn;
typedef __typeof__(PQclear) *cachalot_PQclear_fn;
typedef __typeof__(PQserverVersion) *cachalot_PQserverVersion_fn;
typedef __typeof__(PQparameterStatus) *cachalot_PQparameterStatus_fn;
