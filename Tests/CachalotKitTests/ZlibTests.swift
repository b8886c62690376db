import Testing
@testable import CachalotKit

struct ZlibTests {
    /// `zlib.compress(pickle.dumps(1795775931.053213, 5))` from Python.
    @Test func compressEqualsPython() throws {
        let pickle = PickleTests.bytes("8005950a000000000000004741dac2576ec367d72e")
        let compressed = Zlib.compress(pickle)
        #expect(try Zlib.decompress(compressed) == pickle)
        #expect(compressed == PickleTests.bytes("789c6b609dcac50001ee8eb70e85e71d4ebfae07003236063d"))
    }

    @Test func garbageIsAnError() {
        #expect(throws: Zlib.Failure.self) { try Zlib.decompress([1, 2, 3, 4]) }
    }
}
