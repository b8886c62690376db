import FuzzSupport
@testable import CachalotKit

/// A server's text for one value (the first byte picks its type and the
/// session's time zone), or an EXPLAIN plan: a Python value or a failure,
/// never a trap, a hang or unbounded growth.
enum FuzzPostgreSQLValue {
    /// Scalar and array types with their own parsers, and one plain text type.
    static let types: [UInt32] = [16, 20, 21, 23, 700, 701, 1700, 17, 1082, 1083, 1266, 1114, 1184, 1186, 2950, 114,
                               3802, 25, 1007, 1009, 1231, 1185, 199, 1001, 1187]

    static func test(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let text = Array(bytes.dropFirst())
        if selector == 0xff {
            _ = try? PostgreSQLPlan(json: String(decoding: text, as: UTF8.self))
            return
        }
        let clocks = [DatabaseClock.utc, DatabaseClock(sessionZone: "Europe/Paris", rowZone: .zoneInfo("Europe/Paris")),
                      DatabaseClock(sessionZone: "UTC", rowZone: .naive)]
        let decoder = PostgreSQLValueDecoder(clock: clocks[Int(selector >> 6) % clocks.count])
        if let value = try? decoder.decode(text, type: types[Int(selector) % types.count]) {
            _ = try? PickleWriter.dumps(value, protocol: 5)
            _ = PythonObjectRepr.excerpt(value)
        }
    }
}

@main enum Main { static func main() { FuzzHarness.run(FuzzPostgreSQLValue.test) } }
