// liblzma's types and constants, and the type of every function cachalot
// calls, `cachalot_<function>_fn`, taken from the library's own header.
// The library is not linked: Lzma.swift looks its functions up with dlsym
// (ClientLibrary.swift), typed by these, so the compiler checks every call.
#include <lzma.h>

typedef __typeof__(lzma_stream_buffer_bound) *cachalot_lzma_stream_buffer_bound_fn;
typedef __typeof__(lzma_easy_buffer_encode) *cachalot_lzma_easy_buffer_encode_fn;
typedef __typeof__(lzma_auto_decoder) *cachalot_lzma_auto_decoder_fn;
typedef __typeof__(lzma_code) *cachalot_lzma_code_fn;
typedef __typeof__(lzma_end) *cachalot_lzma_end_fn;
