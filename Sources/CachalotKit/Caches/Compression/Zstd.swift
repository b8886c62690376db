import CZstd

/// `pyzstd.compress(v)` (level 3, one frame with its content size) and
/// `pyzstd.decompress` (a complete frame, nothing after it), through
/// libzstd loaded on first use.
struct ZstdCompressor: ValueCompressor {
    /// libzstd's functions (ClientLibrary.libzstd), typed from zstd.h.
    struct Library: LibraryFunctions, @unchecked Sendable {
        let bound: cachalot_ZSTD_compressBound_fn
        let compress: cachalot_ZSTD_compress_fn
        let isError: cachalot_ZSTD_isError_fn
        let createStream: cachalot_ZSTD_createDStream_fn
        let freeStream: cachalot_ZSTD_freeDStream_fn
        let initStream: cachalot_ZSTD_initDStream_fn
        let decompressStream: cachalot_ZSTD_decompressStream_fn

        init(_ library: DynamicLibrary) throws {
            bound = try library.function("ZSTD_compressBound")
            compress = try library.function("ZSTD_compress")
            isError = try library.function("ZSTD_isError")
            createStream = try library.function("ZSTD_createDStream")
            freeStream = try library.function("ZSTD_freeDStream")
            initStream = try library.function("ZSTD_initDStream")
            decompressStream = try library.function("ZSTD_decompressStream")
        }
    }

    func compress(_ input: [UInt8]) throws -> [UInt8] {
        let zstd = try ClientLibrary.libzstd.get()
        var output = [UInt8](repeating: 0, count: zstd.bound(input.count))
        let written = output.withUnsafeMutableBytes { target in zstd.compress(target.baseAddress, target.count, input, input.count, 3) }
        guard zstd.isError(written) == 0 else { throw CompressionFailure(reason: "zstd could not compress") }
        return Array(output.prefix(written))
    }

    func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        let zstd = try ClientLibrary.libzstd.get()
        guard let stream = zstd.createStream(), zstd.isError(zstd.initStream(stream)) == 0 else {
            throw CompressionFailure(reason: "zstd could not start (out of memory)")
        }
        defer { _ = zstd.freeStream(stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        return try input.withUnsafeBytes { source in
            var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
            while true {
                var produced = 0
                let remaining = chunk.withUnsafeMutableBytes { target -> Int in
                    var outBuffer = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
                    let result = zstd.decompressStream(stream, &outBuffer, &inBuffer)
                    produced = outBuffer.pos
                    return result
                }
                guard zstd.isError(remaining) == 0 else { throw CompressionFailure(reason: "not a zstd frame, or corrupt") }
                output += chunk[..<produced]
                guard output.count <= limit else { throw CompressionFailure(reason: "inflates to more than \(limit) bytes") }
                if remaining == 0 {
                    guard inBuffer.pos == inBuffer.size else { throw CompressionFailure(reason: "data after the zstd frame") }
                    return output
                }
                if inBuffer.pos == inBuffer.size && produced < chunk.count { throw CompressionFailure(reason: "truncated zstd frame") }
            }
        }
    }
}
