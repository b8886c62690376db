import Testing
@testable import CachalotKit

/// Vectors from Python: `sha1(('%s:%s:%s' % (alias, sql, [str(p) for p in params])).encode())`.
struct QueryKeyTests {
    @Test(arguments: [
        ("SELECT 1", [], "403b9b763b51a5022cee76027c6d5282eed2790a"),
        ("SELECT * FROM t WHERE a = %s AND b = %s", ["5", "it's"], "a8be3350b1e4a5a03a841c6436e607050299ec9e"),
        ("SELECT %s", ["a\"b'c\\\n\t\u{0}é\u{2028}"], "80075aec4390829ce1046816ea00adfcef7c792c"),
    ] as [(String, [String], String)])
    func queryKeyMatchesCachalot(sql: String, parameters: [String], expected: String) {
        #expect(QueryKey(databaseAlias: "default", sql: sql, parameters: parameters).cachalotKey == expected)
    }

    @Test func pythonStringRepr() {
        #expect(PythonStringRepr.listRepr([]) == "[]")
        #expect(PythonStringRepr.listRepr(["5", "it's"]) == "['5', \"it's\"]")
        #expect(PythonStringRepr.repr("a\"b'c") == "'a\"b\\'c'")
        #expect(PythonStringRepr.repr("\u{0}é\u{2028}\u{7f}") == "'\\x00é\\u2028\\x7f'")
    }

    @Test func djangoPlaceholdersBecomeSQLiteOnes() {
        #expect(SQLiteDatabase.qmark("SELECT * FROM t WHERE a = %s AND b LIKE '5%%'") == "SELECT * FROM t WHERE a = ? AND b LIKE '5%'")
    }

    @Test func canonicalIntegersBindAsIntegers() {
        #expect(SQLiteDatabase.bind("5") == .integer(5))
        #expect(SQLiteDatabase.bind("-12") == .integer(-12))
        #expect(SQLiteDatabase.bind("007") == .text("007"))
        #expect(SQLiteDatabase.bind("1.5") == .text("1.5"))
    }
}

/// The general pickle writer against CPython's bytes and its own reader.
struct PickleWriterTests {
    @Test(arguments: [
        (-1, "80024affffffff2e"), (-70000, "80024a90eefeff2e"), (1 << 40, "80028a060000000000012e"),
        (Int.min, "80028a0800000000000000802e"), (255, "80024bff2e"), (65536, "80024a000001002e"),
    ])
    func integersEqualPython(value: Int, hex: String) throws {
        #expect(try PickleWriter.dumps(.int(value), protocol: 2) == PickleTests.bytes(hex))
    }

    static let entry = PickleValue.tuple([.float(1795775931.5), .list([
        .tuple([.int(1), .string("a"), .none, .float(2.5), .bytes([0x78, 0x79]), .bool(true)]),
        .tuple([.int(-70000), .string("é\u{2028}\\"), .int(300), .int(1 << 40), .bytes([]), .bool(false)]),
    ])])

    @Test(arguments: 0...5)
    func entriesRoundTrip(protocolVersion: Int) throws {
        let bytes = try PickleWriter.dumps(Self.entry, protocol: protocolVersion)
        let read = try PickleReader.read(bytes)
        if protocolVersion >= 3 {
            #expect(read == Self.entry)
        } else {
            // Protocols 0–2 have no bytes type: CPython's own form, _codecs.encode(latin1 text).
            guard case .tuple(let pair) = read, case .list(let rows) = pair[1], case .tuple(let first) = rows[0] else {
                Issue.record("unexpected \(read)")
                return
            }
            #expect(first[4] == .object(callable: .global(module: "_codecs", name: "encode"),
                                        arguments: [.string("xy"), .string("latin1")], state: nil))
        }
    }

    /// `pickle.dumps(entry, 5)` from CPython reads back as the same value.
    @Test func pythonsEntryReadsBack() throws {
        let python = PickleTests.bytes("80059549000000000000004741dac2576ee000005d9428284b018c0161944e4740040000000000004302787994887494284a90eefeff8c06c3a9e280a85c944d2c018a060000000000014300948974946586942e")
        #expect(try PickleReader.read(python) == Self.entry)
    }
}
