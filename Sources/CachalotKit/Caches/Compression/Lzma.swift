import CLzma

/// `lzma.compress(v, preset=4)` (the .xz container, CRC64) and
/// `lzma.decompress` (any container), through liblzma loaded on first use.
struct LzmaCompressor: ValueCompressor {
    static let memoryLimit: UInt64 = 128 << 20

    /// liblzma's functions (ClientLibrary.liblzma), typed from lzma.h.
    struct Library: LibraryFunctions, @unchecked Sendable {
        let bufferBound: cachalot_lzma_stream_buffer_bound_fn
        let easyBufferEncode: cachalot_lzma_easy_buffer_encode_fn
        let autoDecoder: cachalot_lzma_auto_decoder_fn
        let code: cachalot_lzma_code_fn
        let end: cachalot_lzma_end_fn

        init(_ library: DynamicLibrary) throws {
            bufferBound = try library.function("lzma_stream_buffer_bound")
            easyBufferEncode = try library.function("lzma_easy_buffer_encode")
            autoDecoder = try library.function("lzma_auto_decoder")
            code = try library.function("lzma_code")
            end = try library.function("lzma_end")
        }
    }

    func compress(_ input: [UInt8]) throws -> [UInt8] {
        let lzma = try ClientLibrary.liblzma.get()
        var output = [UInt8](repeating: 0, count: lzma.bufferBound(input.count))
        var written = 0
        let status = output.withUnsafeMutableBufferPointer { target in
            lzma.easyBufferEncode(4, LZMA_CHECK_CRC64, nil, input, input.count, target.baseAddress, &written, target.count)
        }
        guard status == LZMA_OK else { throw CompressionFailure(reason: "lzma could not compress (error \(status.rawValue))") }
        return Array(output.prefix(written))
    }

    func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        let lzma = try ClientLibrary.liblzma.get()
        var stream = lzma_stream()
        // Python's FORMAT_AUTO: .xz or .lzma, checks reported and ignored.
        // LZMA_TELL_ANY_CHECK | LZMA_TELL_NO_CHECK (macros Swift does not
        // import). A header may ask for any dictionary size: the decoder's
        // memory is capped (xz's largest preset needs 65 MiB).
        guard lzma.autoDecoder(&stream, Self.memoryLimit, 0x04 | 0x01) == LZMA_OK else {
            throw CompressionFailure(reason: "lzma could not start (out of memory)")
        }
        defer { lzma.end(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        return try input.withUnsafeBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = source.count
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { buffer -> lzma_ret in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = buffer.count
                    return lzma.code(&stream, LZMA_FINISH)
                }
                output += chunk[..<(chunk.count - stream.avail_out)]
                guard output.count <= limit else { throw CompressionFailure(reason: "inflates to more than \(limit) bytes") }
                switch status {
                case LZMA_STREAM_END: return output
                case LZMA_OK, LZMA_NO_CHECK, LZMA_UNSUPPORTED_CHECK, LZMA_GET_CHECK: continue
                case LZMA_BUF_ERROR: throw CompressionFailure(reason: "truncated lzma data")
                case LZMA_MEMLIMIT_ERROR: throw CompressionFailure(reason: "lzma data asking for more than \(Self.memoryLimit >> 20) MiB to decode")
                default: throw CompressionFailure(reason: "not lzma data, or corrupt")
                }
            }
        }
    }
}
