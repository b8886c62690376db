import Testing
@testable import CachalotKit

/// `repr()` of values DB drivers return, from CPython's `pickle.dumps(v, 4)`
/// and `repr(v)`: shown, never executed.
struct PythonObjectReprTests {
    @Test(arguments: [
        ("80049557000000000000008c086461746574696d65948c086461746574696d65949394430a07ea0b1b0a00000000009468008c0874696d657a6f6e6594939468008c0974696d6564656c74619493944b004b004b008794529485945294869452942e",
         "datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.timezone.utc)"),
        ("8004952a000000000000008c086461746574696d65948c086461746574696d65949394430a07ea010203040500000694859452942e",
         "datetime.datetime(2026, 1, 2, 3, 4, 5, 6)"),
        ("80049520000000000000008c086461746574696d65948c0464617465949394430407ea0b1b94859452942e", "datetime.date(2026, 11, 27)"),
        ("80049522000000000000008c086461746574696d65948c0474696d6594939443060a1e0000000094859452942e", "datetime.time(10, 30)"),
        ("80049524000000000000008c086461746574696d65948c0974696d6564656c74619493944b014b054b00879452942e",
         "datetime.timedelta(days=1, seconds=5)"),
        ("80049522000000000000008c07646563696d616c948c07446563696d616c9493948c04312e353094859452942e", "Decimal('1.50')"),
        ("80049530000000000000008c0475756964948c04555549449493942981947d948c03696e74948a107856341278563412785634127856341273622e",
         "UUID('12345678-1234-5678-1234-567812345678')"),
        ("80049522000000000000008c086461746574696d65948c0464617465949394430407ea0101948594529485942e", "(datetime.date(2026, 1, 1),)"),
    ])
    func reprEqualsPython(hex: String, expected: String) throws {
        #expect(PythonObjectRepr.repr(try PickleReader.read(PickleTests.bytes(hex))) == expected)
    }

    @Test func unknownClassesAreShownNotRun() {
        let value = PickleValue.object(callable: .global(module: "myapp.money", name: "Money"),
                                       arguments: [.string("1.50"), .string("EUR")], state: nil)
        #expect(PythonObjectRepr.repr(value) == "myapp.money.Money('1.50', 'EUR')")
    }
}
