import FuzzSupport
@testable import CachalotKit

/// Any bytes through the pickle reader, the outline probe and the repr:
/// a value or a clean failure, within the depth and size bounds.
enum FuzzPickleReader {
    static func test(_ bytes: [UInt8]) {
        _ = QueryEntryProbe.probe(bytes)
        guard let value = try? PickleReader.read(bytes) else { return }
        _ = PythonObjectRepr.excerpt(value)
        // Compared as bytes: NaN is not equal to itself.
        if let written = try? PickleWriter.dumps(value, protocol: 5),
           (try? PickleReader.read(written)).flatMap({ try? PickleWriter.dumps($0, protocol: 5) }) != written {
            fatalError("a value the writer accepts must read back the same")
        }
    }
}

@main enum Main { static func main() { FuzzHarness.run(FuzzPickleReader.test) } }
