/// What MD5, SHA-1 and SHA-256 share (Merkle–Damgård over 64-byte blocks):
/// buffering the input into blocks and the final padding with the message
/// length. Each algorithm brings its state, its compression function and
/// the byte order of its length. Written here rather than taken from a
/// crypto library: cachalot needs only these three digests, for key names
/// and evidence, never for security, and a library's start-up and build
/// cost more than the hashing (tested against RFC vectors and Python's
/// hashlib in DigestTests).
protocol BlockDigest {
    init()
    /// Input not yet making a whole block (< 64 bytes).
    var pending: [UInt8] { get set }
    /// Bytes hashed so far.
    var length: UInt64 { get set }
    /// MD5 stores the bit length little-endian, the SHAs big-endian.
    static var lengthIsBigEndian: Bool { get }
    /// One 64-byte block into the state.
    mutating func compress(_ block: UnsafeRawBufferPointer)
    /// The state as the digest's bytes.
    var stateBytes: [UInt8] { get }
}

extension BlockDigest {
    /// The digest of `bytes` at once.
    static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes(hash)
    }

    /// The digest of `text`'s UTF-8 bytes, without copying them.
    static func hash(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    static func hash(_ raw: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = Self()
        let whole = raw.count / 64 * 64
        for start in stride(from: 0, to: whole, by: 64) {
            digest.compress(UnsafeRawBufferPointer(rebasing: raw[start..<start + 64]))
        }
        return digest.finish(remainder: UnsafeRawBufferPointer(rebasing: raw[whole...]), length: UInt64(raw.count))
    }

    mutating func update(_ bytes: [UInt8]) {
        length &+= UInt64(bytes.count)
        var start = 0
        if !pending.isEmpty {
            start = min(64 - pending.count, bytes.count)
            pending += bytes[..<start]
            guard pending.count == 64 else { return }
            let block = pending
            block.withUnsafeBytes { compress($0) }
            pending.removeAll(keepingCapacity: true)
        }
        bytes.withUnsafeBytes { raw in
            while bytes.count - start >= 64 {
                compress(UnsafeRawBufferPointer(rebasing: raw[start..<start + 64]))
                start += 64
            }
        }
        pending += bytes[start...]
    }

    /// The digest of everything given to `update` so far (the digest itself
    /// is left as it was: more updates may follow).
    func finalize() -> [UInt8] {
        var copy = self
        return pending.withUnsafeBytes { copy.finish(remainder: $0, length: length) }
    }

    /// Pads the last bytes (fewer than 64) with 0x80, zeros and the bit
    /// length into one or two blocks, compresses them, and gives the digest.
    private mutating func finish(remainder: UnsafeRawBufferPointer, length: UInt64) -> [UInt8] {
        withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { tail in
            tail.initializeMemory(as: UInt8.self, repeating: 0)
            tail.copyMemory(from: remainder)
            tail[remainder.count] = 0x80
            let size = remainder.count < 56 ? 64 : 128
            let bits = length &* 8
            tail.storeBytes(of: Self.lengthIsBigEndian ? bits.bigEndian : bits.littleEndian, toByteOffset: size - 8, as: UInt64.self)
            for start in stride(from: 0, to: size, by: 64) {
                compress(UnsafeRawBufferPointer(rebasing: tail[start..<start + 64]))
            }
        }
        return stateBytes
    }
}

extension UInt32 {
    @inline(__always) func rotatedLeft(_ count: UInt32) -> UInt32 { self &<< count | self &>> (32 &- count) }
}
