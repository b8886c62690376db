import CLz4

/// `lz4.frame.compress(v)` (a frame with the content size) and
/// `lz4.frame.decompress`, through liblz4 loaded on first use.
struct Lz4Compressor: ValueCompressor {
    private struct Library: @unchecked Sendable {
        let frameBound: @convention(c) (Int, UnsafePointer<LZ4F_preferences_t>?) -> Int
        let compressFrame: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int, UnsafePointer<LZ4F_preferences_t>?) -> Int
        let isError: @convention(c) (Int) -> UInt32
        let createContext: @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, UInt32) -> Int
        let freeContext: @convention(c) (OpaquePointer?) -> Int
        let decompress: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?,
                                        UnsafeRawPointer?, UnsafeMutablePointer<Int>?, UnsafeRawPointer?) -> Int

        init(_ library: DynamicLibrary) throws {
            frameBound = try library.function("LZ4F_compressFrameBound")
            compressFrame = try library.function("LZ4F_compressFrame")
            isError = try library.function("LZ4F_isError")
            createContext = try library.function("LZ4F_createDecompressionContext")
            freeContext = try library.function("LZ4F_freeDecompressionContext")
            decompress = try library.function("LZ4F_decompress")
        }

        static let loaded: Result<Library, CachalotError> = {
            do { return .success(try Library(DynamicLibrary(soname: "liblz4.so.1", package: "liblz4-1"))) } catch { return .failure(CachalotError(error)) }
        }()
    }

    func compress(_ input: [UInt8]) throws -> [UInt8] {
        let lz4 = try Library.loaded.get()
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
        let lz4 = try Library.loaded.get()
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
