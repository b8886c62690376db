import CLz4

/// `lz4.frame.compress(v)` (a frame with the content size) and
/// `lz4.frame.decompress`, through liblz4 loaded on first use.
struct Lz4Compressor: ValueCompressor {
    /// liblz4's functions (ClientLibrary.liblz4), typed from lz4frame.h.
    struct Library: LibraryFunctions, @unchecked Sendable {
        let frameBound: cachalot_LZ4F_compressFrameBound_fn
        let compressFrame: cachalot_LZ4F_compressFrame_fn
        let isError: cachalot_LZ4F_isError_fn
        let createContext: cachalot_LZ4F_createDecompressionContext_fn
        let freeContext: cachalot_LZ4F_freeDecompressionContext_fn
        let decompress: cachalot_LZ4F_decompress_fn

        init(_ library: DynamicLibrary) throws {
            frameBound = try library.function("LZ4F_compressFrameBound")
            compressFrame = try library.function("LZ4F_compressFrame")
            isError = try library.function("LZ4F_isError")
            createContext = try library.function("LZ4F_createDecompressionContext")
            freeContext = try library.function("LZ4F_freeDecompressionContext")
            decompress = try library.function("LZ4F_decompress")
        }
    }

    func compress(_ input: [UInt8]) throws -> [UInt8] {
        let lz4 = try ClientLibrary.liblz4.get()
        var preferences = LZ4F_preferences_t()
        // Python's lz4.frame stores the content size.
        preferences.frameInfo.contentSize = UInt64(input.count)
        var output = [UInt8](repeating: 0, count: lz4.frameBound(input.count, &preferences))
        let written = output.withUnsafeMutableBytes { target in
            lz4.compressFrame(target.baseAddress, target.count, input, input.count, &preferences)
        }
        guard lz4.isError(written) == 0 else { throw CompressionFailure(reason: "lz4 could not compress") }
        return Array(output.prefix(written))
    }

    func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        let lz4 = try ClientLibrary.liblz4.get()
        var context: OpaquePointer?
        guard lz4.isError(lz4.createContext(&context, UInt32(LZ4F_VERSION))) == 0 else {
            throw CompressionFailure(reason: "lz4 could not start (out of memory)")
        }
        defer { _ = lz4.freeContext(context) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var consumed = 0
        while true {
            var produced = chunk.count
            var taken = input.count - consumed
            let hint = input.withUnsafeBytes { source in
                chunk.withUnsafeMutableBytes { target in
                    lz4.decompress(context, target.baseAddress, &produced, source.baseAddress! + consumed, &taken, nil)
                }
            }
            guard lz4.isError(hint) == 0 else { throw CompressionFailure(reason: "not an lz4 frame, or corrupt") }
            consumed += taken
            output += chunk[..<produced]
            guard output.count <= limit else { throw CompressionFailure(reason: "inflates to more than \(limit) bytes") }
            if hint == 0 { return output }
            if taken == 0 && produced == 0 { throw CompressionFailure(reason: "truncated lz4 frame") }
        }
    }
}
