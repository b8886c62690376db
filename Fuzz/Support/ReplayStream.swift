import CachalotKit

/// A server that is only bytes: serves them a few at a time (so every
/// reader meets partial replies), then end of stream; what is sent to it
/// is dropped. The fuzz targets' and the protocol tests' stand-in socket.
public final class ReplayStream: ByteStream {
    private var bytes: ArraySlice<UInt8>
    private let chunk: Int
    /// No socket: nothing waits on it.
    public var descriptor: Int32 { -1 }

    public init<C: Collection>(_ bytes: C, chunk: Int = 7) where C.Element == UInt8 {
        self.bytes = ArraySlice(bytes)
        self.chunk = chunk
    }

    public func send(_ bytes: [UInt8], until deadline: Deadline) throws {}

    public func receive(into buffer: UnsafeMutableRawBufferPointer, until deadline: Deadline) throws -> Int {
        let count = min(buffer.count, bytes.count, chunk)
        buffer.copyBytes(from: bytes.prefix(count))
        bytes = bytes.dropFirst(count)
        return count
    }
}
