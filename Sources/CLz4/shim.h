// liblz4's frame types and constants, and the type of every function
// cachalot calls, `cachalot_<function>_fn`, taken from the library's own
// header. The library is not linked: Lz4.swift looks its functions up with
// dlsym (ClientLibrary.swift), typed by these, so the compiler checks every call.
#include <lz4frame.h>

typedef __typeof__(LZ4F_compressFrameBound) *cachalot_LZ4F_compressFrameBound_fn;
typedef __typeof__(LZ4F_compressFrame) *cachalot_LZ4F_compressFrame_fn;
typedef __typeof__(LZ4F_isError) *cachalot_LZ4F_isError_fn;
typedef __typeof__(LZ4F_createDecompressionContext) *cachalot_LZ4F_createDecompressionContext_fn;
typedef __typeof__(LZ4F_freeDecompressionContext) *cachalot_LZ4F_freeDecompressionContext_fn;
typedef __typeof__(LZ4F_decompress) *cachalot_LZ4F_decompress_fn;
