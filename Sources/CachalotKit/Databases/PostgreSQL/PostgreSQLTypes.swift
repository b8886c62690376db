import CPq

/// The built-in type OIDs whose text form psycopg (as Django configures
/// it) turns into something other than str, and the array types made of
/// them (pg_type.typarray). Any other type comes back as str, as psycopg
/// returns types it has no loader for.
enum PostgreSQLType {
    case bool, integer, float, numeric, bytea, date, time, timeWithZone, timestamp, timestampWithZone
    case interval, uuid, json
    /// text, varchar, jsonb (Django loads it as text), inet, money, …
    case text

    static func of(_ oid: Oid) -> PostgreSQLType {
        switch oid {
        case 16: return .bool
        case 20, 21, 23, 26: return .integer            // int8 int2 int4 oid
        case 700, 701: return .float
        case 1700: return .numeric
        case 17: return .bytea
        case 1082: return .date
        case 1083: return .time
        case 1266: return .timeWithZone
        case 1114: return .timestamp
        case 1184: return .timestampWithZone
        case 1186: return .interval
        case 2950: return .uuid
        case 114: return .json
        default: return .text
        }
    }

    /// The element type of a built-in array type, nil for any other type.
    static func element(ofArray oid: Oid) -> Oid? { arrayElements[oid] }

    private static let arrayElements: [Oid: Oid] = [
        1000: 16, 1001: 17, 1002: 18, 1003: 19, 1016: 20, 1005: 21, 1007: 23, 1009: 25, 1028: 26, 1561: 1560, 1563: 1562,
        199: 114, 1021: 700, 1022: 701, 1040: 829, 1041: 869, 651: 650, 1014: 1042, 1015: 1043,
        1182: 1082, 1183: 1083, 1115: 1114, 1185: 1184, 1187: 1186, 1231: 1700, 1270: 1266,
        2951: 2950, 3807: 3802, 791: 790, 143: 142,
    ]
}
