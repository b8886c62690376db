// libzstd's types and constants, and the type of every function cachalot
// calls, `cachalot_<function>_fn`, taken from the library's own header.
// The library is not linked: Zstd.swift looks its functions up with dlsym
// (ClientLibrary.swift), typed by these, so the compiler checks every call.
#include <zstd.h>

typedef __typeof__(ZSTD_compressBound) *cachalot_ZSTD_compressBound_fn;
typedef __typeof__(ZSTD_compress) *cachalot_ZSTD_compress_fn;
typedef __typeof__(ZSTD_isError) *cachalot_ZSTD_isError_fn;
typedef __typeof__(ZSTD_createDStream) *cachalot_ZSTD_createDStream_fn;
typedef __typeof__(ZSTD_freeDStream) *cachalot_ZSTD_freeDStream_fn;
typedef __typeof__(ZSTD_initDStream) *cachalot_ZSTD_initDStream_fn;
typedef __typeof__(ZSTD_decompressStream) *cachalot_ZSTD_decompressStream_fn;
