import CZlib

/// zlib as Python's `zlib.compress` and `zlib.decompress` use it (zlib
/// header, default level), and gzip for django-redis's GzipCompressor.
/// A `Deflater` or `Inflater` keeps its stream between values, so writing
/// many table keys sets zlib up once.
public enum Zlib {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var reason: String
        public var description: String { "compressed data: \(reason)" }
    }

    /// Values inflated for cachalot are table keys and query results; more
    /// than this is a bomb, not a cache entry.
    public static let defaultLimit = 256 << 20
    private static let overLimit: Int32 = -1000

    public static func compress(_ input: [UInt8]) -> [UInt8] { Deflater().compress(input) }

    public static func decompress(_ input: [UInt8], limit: Int = defaultLimit) throws -> [UInt8] {
        try Inflater().decompress(input, limit: limit)
    }

    /// `zlib.compress(data)`: level 6 (Z_DEFAULT_COMPRESSION), 15-bit window.
    public final class Deflater {
        private var stream = z_stream()
        private let ready: Bool

        public init(gzip: Bool = false, level: Int32 = Z_DEFAULT_COMPRESSION) {
            ready = deflateInit2_(&stream, level, Z_DEFLATED, gzip ? 31 : 15, 8, Z_DEFAULT_STRATEGY,
                                  ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        }

        deinit { if ready { deflateEnd(&stream) } }

        public func compress(_ input: [UInt8]) -> [UInt8] {
            guard ready else { return [] }
            deflateReset(&stream)
            var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))))
            var input = input
            let produced: Int = input.withUnsafeMutableBufferPointer { source in
                output.withUnsafeMutableBufferPointer { target in
                    stream.next_in = source.baseAddress
                    stream.avail_in = uInt(source.count)
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    // deflateBound leaves room for everything: one call finishes.
                    _ = deflate(&stream, Z_FINISH)
                    return target.count - Int(stream.avail_out)
                }
            }
            output.removeSubrange(produced...)
            return output
        }
    }

    /// Inflates zlib or gzip data (the header tells which), as Python's
    /// `zlib.decompress` and `gzip.decompress` read it.
    public final class Inflater {
        private var stream = z_stream()
        private let ready: Bool

        public init() {
            // 15 + 32: a zlib or a gzip header, detected from the data.
            ready = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        }

        deinit { if ready { inflateEnd(&stream) } }

        public func decompress(_ input: [UInt8], limit: Int = Zlib.defaultLimit) throws -> [UInt8] {
            var output: [UInt8] = []
            try inflate(input, limit: limit) { output += $0 }
            return output
        }

        /// The start, the end and the length of what `input` inflates to,
        /// keeping only those in memory however large the value is.
        public func outline(_ input: [UInt8], limit: Int) throws -> PickleOutline {
            var outline = PickleOutline(head: [], tail: [], count: 0)
            try inflate(input, limit: limit) { piece in
                outline.count += piece.count
                if outline.head.count < PickleOutline.headCount { outline.head += piece.prefix(PickleOutline.headCount - outline.head.count) }
                outline.tail = Array((outline.tail + piece.suffix(PickleOutline.tailCount)).suffix(PickleOutline.tailCount))
            }
            return outline
        }

        private func inflate(_ input: [UInt8], limit: Int, into consume: (ArraySlice<UInt8>) -> Void) throws {
            guard ready else { throw Failure(reason: "zlib could not start (out of memory)") }
            inflateReset(&stream)
            var total = 0
            var chunk = [UInt8](repeating: 0, count: min(max(input.count * 4, 256), 64 * 1024))
            var input = input
            let status: Int32 = input.withUnsafeMutableBufferPointer { source in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                while true {
                    let result: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                        stream.next_out = buffer.baseAddress
                        stream.avail_out = uInt(buffer.count)
                        return CZlib.inflate(&stream, Z_NO_FLUSH)
                    }
                    let produced = chunk.count - Int(stream.avail_out)
                    total += produced
                    guard total <= limit else { return Zlib.overLimit }
                    consume(chunk[..<produced])
                    if result != Z_OK { return result }
                    if stream.avail_in == 0 && stream.avail_out != 0 { return Z_BUF_ERROR }
                    if chunk.count < 64 * 1024 { chunk = [UInt8](repeating: 0, count: 64 * 1024) }
                }
            }
            switch status {
            case Z_STREAM_END: return
            case Z_BUF_ERROR: throw Failure(reason: "truncated (the stream ends early)")
            case Zlib.overLimit: throw Failure(reason: "inflates to more than \(limit) bytes")
            case Z_MEM_ERROR: throw Failure(reason: "out of memory while inflating")
            default: throw Failure(reason: "not zlib or gzip data, or corrupt")
            }
        }
    }
}
