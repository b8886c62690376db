import CZlib

/// zlib's one-shot compress and decompress, as Python's `zlib.compress` and
/// `zlib.decompress` use them (zlib header, default level).
public enum Zlib {
    public struct Failure: Error, CustomStringConvertible {
        public var code: Int32
        public var description: String { "zlib error \(code)" }
    }

    public static func compress(_ input: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        // compress2 only fails for a too-small buffer, which compressBound rules out.
        _ = compress2(&output, &length, input, uLong(input.count), Z_DEFAULT_COMPRESSION)
        return Array(output[..<Int(length)])
    }

    public static func decompress(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(code: Z_MEM_ERROR)
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while true {
                let result: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                output += chunk[..<(chunk.count - Int(stream.avail_out))]
                if result != Z_OK { return result }
                if stream.avail_in == 0 && stream.avail_out != 0 { return Z_BUF_ERROR }
            }
        }
        guard status == Z_STREAM_END else { throw Failure(code: status) }
        return output
    }
}
