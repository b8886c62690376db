import CZstd

/// `pyzstd.compress(v)` (level 3, one frame with its content size) and
/// `pyzstd.decompress` (a complete frame, nothing after it), through
/// libzstd loaded on first use.
struct ZstdCompressor: ValueCompressor {
    private struct Library: @unchecked Sendable {
        let bound: @convention(c) (Int) -> Int
        let compress: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int, Int32) -> Int
        let isError: @convention(c) (Int) -> UInt32
        let createStream: @convention(c) () -> OpaquePointer?
        let freeStream: @convention(c) (OpaquePointer?) -> Int
        let initStream: @convention(c) (OpaquePointer?) -> Int
        let decompressStream: @convention(c) (OpaquePointer?, UnsafeMutablePointer<ZSTD_outBuffer>?, UnsafeMutablePointer<ZSTD_inBuffer>?) -> Int

        init(_ library: DynamicLibrary) throws {
            bound = try library.function("ZSTD_compressBound")
            compress = try library.function("ZSTD_compress")
            isError = try library.function("ZSTD_isError")
            createStream = try library.function("ZSTD_createDStream")
            freeStream = try library.function("ZSTD_freeDStream")
            initStream = try library.function("ZSTD_initDStream")
            decompressStream = try library.function("ZSTD_decompressStream")
        }

        static let loaded: Result<Library, CachalotError> = {
            do { return .success(try Library(DynamicLibrary(soname: "libzstd.so.1", package: "libzstd1"))) } catch { return .failure(CachalotError(error)) }
        }()
    }

    func compress(_ input: [UInt8]) throws -> [UInt8] {
        let zstd = try Library.loaded.get()
        var output = [UInt8](repeating: 0, count: zstd.bound(input.count))
        let written = output.withUnsafeMutableBytes { target in zstd.compress(target.baseAddress, target.count, input, input.count, 3) }
        guard zstd.isError(written) == 0 else { throw CompressionFailure(reason: "zstd could not compress") }
        return Array(output.prefix(written))
    }

    func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        let zstd = try Library.loaded.get()
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
