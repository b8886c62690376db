import Testing
@testable import CachalotKit

/// Vectors computed by Python's hashlib and repr().
struct KeysTests {
    @Test(arguments: [
        ("default", "auth_user", "2a8af92188b8e48adbd7cb3fadb0bf3e3281067d"),
        ("other", "library_book", "19b20eb266f7b7b86e2bbfbec3f0c6e29e46b614"),
        ("default", "naïve", "94612590c7f7dea3eadcf11dc8e22cbeda93810c"),
    ])
    func tableKeyMatchesCachalot(database: String, table: String, expected: String) {
        #expect(TableKey(databaseAlias: database, table: table).cachalotKey == expected)
    }

    @Test func fileNameMatchesDjangoFileCache() {
        let made = DjangoKeyMaker().makeKey("2a8af92188b8e48adbd7cb3fadb0bf3e3281067d")
        #expect(made == ":1:2a8af92188b8e48adbd7cb3fadb0bf3e3281067d")
        #expect(Hashing.md5Hex(made) == "81630380ca17e1e95f89d316b8d84593")
    }

    @Test func keyPrefixAndVersion() {
        #expect(DjangoKeyMaker(keyPrefix: "site", version: 7).makeKey("k") == "site:7:k")
    }

    @Test(arguments: [
        (0.0, "0.0"), (-0.0, "-0.0"), (1e16, "1e+16"), (1e15, "1000000000000000.0"),
        (1234567890123456.0, "1234567890123456.0"), (12345678901234567.0, "1.2345678901234568e+16"),
        (0.0001, "0.0001"), (0.00001, "1e-05"), (1.5e-7, "1.5e-07"), (1795775931.053213, "1795775931.053213"),
        (0.1, "0.1"), (100.0, "100.0"), (1e22, "1e+22"), (2.5e-300, "2.5e-300"), (123.456, "123.456"),
        (-42.0, "-42.0"), (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
    ])
    func pythonFloatRepr(value: Double, expected: String) {
        #expect(PythonFloatRepr.repr(value) == expected)
    }
}
