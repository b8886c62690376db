/// A compressor django-redis can be configured with: what it writes, and
/// how cachalot reads it back within a size limit (a value that inflates
/// beyond it is a bomb, not a cache entry).
protocol ValueCompressor {
    func compress(_ input: [UInt8]) throws -> [UInt8]
    func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8]
}

/// Why compressed data could not be read or written.
struct CompressionFailure: Error, CustomStringConvertible {
    var reason: String
    var description: String { "compressed data: \(reason)" }
}

/// zlib (`zlib.compress(v, 6)`) or gzip (`gzip.compress(v)`, level 9).
struct ZlibCompressor: ValueCompressor {
    var gzip: Bool

    func compress(_ input: [UInt8]) throws -> [UInt8] {
        Zlib.Deflater(gzip: gzip, level: gzip ? 9 : 6).compress(input)
    }

    func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        try Zlib.Inflater().decompress(input, limit: limit)
    }
}
