/// SHA-1 (FIPS 180-4): django-cachalot's table and query keys, and the
/// `{sha1:…}` of key templates.
struct SHA1: BlockDigest {
    var pending: [UInt8] = []
    var length: UInt64 = 0
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0)

    static var lengthIsBigEndian: Bool { true }

    mutating func compress(_ block: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { words in
            for index in 0..<16 {
                words[index] = block.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self).bigEndian
            }
            for index in 16..<80 {
                words[index] = (words[index - 3] ^ words[index - 8] ^ words[index - 14] ^ words[index - 16]).rotatedLeft(1)
            }
            var (a, b, c, d, e) = state
            // The four kinds of round in loops of their own: no branch per round.
            @inline(__always) func round(_ mixed: UInt32, _ constant: UInt32, _ word: UInt32) {
                let next = a.rotatedLeft(5) &+ mixed &+ e &+ constant &+ word
                e = d
                d = c
                c = b.rotatedLeft(30)
                b = a
                a = next
            }
            for index in 0..<20 { round((b & c) | (~b & d), 0x5a82_7999, words[index]) }
            for index in 20..<40 { round(b ^ c ^ d, 0x6ed9_eba1, words[index]) }
            for index in 40..<60 { round((b & c) | (b & d) | (c & d), 0x8f1b_bcdc, words[index]) }
            for index in 60..<80 { round(b ^ c ^ d, 0xca62_c1d6, words[index]) }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
        }
    }

    var stateBytes: [UInt8] {
        withUnsafeBytes(of: (state.0.bigEndian, state.1.bigEndian, state.2.bigEndian, state.3.bigEndian, state.4.bigEndian)) { Array($0) }
    }
}
