import CMariaDB
import FuzzSupport
@testable import CachalotKit

/// A server's text-protocol bytes for one column value (the first byte
/// picks the column type, the second its character set and the
/// connection's codec): a Python value or a failure, never a trap, a hang
/// or unbounded growth.
enum FuzzMySQLValue {
    /// Every type the decoder tells apart, and the string and blob kinds it does not.
    static let types: [enum_field_types] = [
        MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_LONG, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_INT24, MYSQL_TYPE_YEAR,
        MYSQL_TYPE_DECIMAL, MYSQL_TYPE_NEWDECIMAL, MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE, MYSQL_TYPE_NULL,
        MYSQL_TYPE_DATE, MYSQL_TYPE_NEWDATE, MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_TIME,
        MYSQL_TYPE_BIT, MYSQL_TYPE_GEOMETRY, MYSQL_TYPE_JSON, MYSQL_TYPE_ENUM, MYSQL_TYPE_SET,
        MYSQL_TYPE_VARCHAR, MYSQL_TYPE_VAR_STRING, MYSQL_TYPE_STRING, MYSQL_TYPE_BLOB,
    ]
    static let codecs: [MySQLTextCodec] = [.utf8, .cp1252, .ascii]

    static func test(_ bytes: [UInt8]) {
        guard bytes.count >= 2 else { return }
        let type = types[Int(bytes[0]) % types.count]
        // Bits 0–1: the codec; bit 2: the binary character set (63) or utf8mb4's (45).
        let codec = codecs[Int(bytes[1] & 3) % codecs.count]
        let field = MySQLConnection.Field(name: "v", type: type, flags: 0, charset: bytes[1] & 4 != 0 ? MySQLValueDecoder.binaryCharset : 45)
        if let value = try? MySQLValueDecoder.decode(Array(bytes.dropFirst(2)), field: field, codec: codec) {
            _ = try? PickleWriter.dumps(value, protocol: 5)
            _ = PythonObjectRepr.excerpt(value)
        }
    }
}

@main enum Main { static func main() { FuzzHarness.run(FuzzMySQLValue.test) } }
