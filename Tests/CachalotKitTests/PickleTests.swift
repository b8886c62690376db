import Testing
@testable import CachalotKit

/// Byte vectors from CPython 3.11's `pickle.dumps`.
struct PickleTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return result
    }

    static let floatPickles = [
        "46313739353737353933312e3035333231330a2e",
        "4741dac2576ec367d72e",
        "80024741dac2576ec367d72e",
        "80034741dac2576ec367d72e",
        "8004950a000000000000004741dac2576ec367d72e",
        "8005950a000000000000004741dac2576ec367d72e",
    ]

    @Test(arguments: 0...5)
    func floatEqualsPython(protocolVersion: Int) throws {
        let expected = Self.bytes(Self.floatPickles[protocolVersion])
        #expect(try PickleWriter.dumps(.float(1795775931.053213), protocol: protocolVersion) == expected)
        #expect(try PickleReader.read(expected) == .float(1795775931.053213))
    }

    @Test func noneIsNeverFramed() throws {
        #expect(try PickleWriter.dumps(.none, protocol: 5) == [0x80, 0x05, 0x4e, 0x2e])
        #expect(try PickleWriter.dumps(.none, protocol: 0) == [0x4e, 0x2e])
    }

    @Test func listOfTuplesWithMemo() throws {
        let value = try PickleReader.read(Self.bytes("80049515000000000000005d94284b018c01619486944b028c0162948694652e"))
        #expect(value == .list([.tuple([.int(1), .string("a")]), .tuple([.int(2), .string("b")])]))
    }

    @Test func protocol2DictWithBigIntAndReducedBytes() throws {
        let value = try PickleReader.read(Self.bytes(
            "80027d710058010000006b71015d7102284b018a090000000000000000404afbffffff47400c0000000000004e88635f636f646563730a656e636f64650a7103580100000078710458060000006c6174696e31710586710652710765732e"))
        guard case .dict(let entries) = value, case .list(let items)? = entries.first?.value else {
            Issue.record("expected a dict of a list, got \(value)")
            return
        }
        #expect(entries.first?.key == .string("k"))
        #expect(items[0] == .int(1))
        #expect(items[1] == .bigInt([0, 0, 0, 0, 0, 0, 0, 0, 0x40]))
        #expect(items[2] == .int(-5))
        #expect(items[3] == .float(3.5))
        #expect(items[4] == .none)
        #expect(items[5] == .bool(true))
        #expect(items[6] == .object(callable: .global(module: "_codecs", name: "encode"),
                                    arguments: [.string("x"), .string("latin1")], state: nil))
    }

    @Test func protocol0TextOpcodes() throws {
        let value = try PickleReader.read(Array("(I1\nVit's\np0\nI-300\ntp1\n.".utf8))
        #expect(value == .tuple([.int(1), .string("it's"), .int(-300)]))
    }

    @Test func truncatedInputIsAnErrorNotACrash() {
        for hex in Self.floatPickles {
            let full = Self.bytes(hex)
            for length in 0..<full.count {
                #expect(throws: PickleReader.Failure.self) { try PickleReader.read(Array(full[..<length])) }
            }
        }
    }

    /// Known-good pickles mutated by a seeded generator (the same inputs on
    /// every run): each result is a clean `PickleReader.Failure`, or a value
    /// that survives a round trip through the writer when it holds only what
    /// the writer supports.
    @Test func mutatedPicklesFailCleanlyOrDecode() throws {
        var random = SplitMix64(seed: 0x5eed_cac4_a107)
        let seeds = Self.floatPickles.map(Self.bytes) + [
            "80049515000000000000005d94284b018c01619486944b028c0162948694652e",
            "8005951a000000000000004741dac2576ee000005d945d944b018c0161948694616186942e",
            "80027d710058010000006b71015d7102284b018a090000000000000000404afbffffff47400c0000000000004e88635f636f646563730a656e636f64650a7103580100000078710458060000006c6174696e31710586710652710765732e",
        ].map(Self.bytes)
        var decoded = 0, failed = 0
        for round in 0..<20_000 {
            var input = seeds[round % seeds.count]
            for _ in 0...Int(random.next() % 3) { Self.mutate(&input, &random) }
            do {
                let value = try PickleReader.read(input)
                decoded += 1
                #expect(!PythonObjectRepr.excerpt(value).isEmpty)
                if let again = try? PickleWriter.dumps(value, protocol: 5) {
                    #expect(try PickleReader.read(again) == value, "round trip of \(input)")
                }
            } catch is PickleReader.Failure {
                failed += 1
            } catch {
                Issue.record("\(input) threw \(error), not a PickleReader.Failure")
            }
        }
        // Both outcomes must occur, or the mutations test nothing.
        #expect(decoded > 100 && failed > 100, "decoded \(decoded), failed \(failed)")
    }

    static func mutate(_ bytes: inout [UInt8], _ random: inout SplitMix64) {
        let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
        switch random.next() % 5 {
        case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(1 << (random.next() % 8))
        case 1 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: random.next())
        case 2: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
        case 3 where !bytes.isEmpty: bytes.remove(at: position)
        default: bytes = Array(bytes.prefix(position))
        }
    }
}

/// A small seeded generator, so that a failing input comes back on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// Vectors from CPython 3.11: `pickle.dumps((1795775931.5, [[(1, 'a')]]), 5)` and friends.
struct QueryEntryProbeTests {
    @Test(arguments: [
        ("8005951a000000000000004741dac2576ee000005d945d944b018c0161948694616186942e", true),
        ("80024741dac2576ee000005d71005d71014b01580100000061710286710361618671042e", true),
        ("80059512000000000000004741dac2576ee000008c0178944b0187942e", false),
        ("80059510000000000000005d94284741dac2576ee000004b01652e", false),
    ])
    func probeAgreesWithTheFullReader(hex: String, isEntry: Bool) throws {
        let bytes = PickleTests.bytes(hex)
        let verdict = QueryEntryProbe.probe(bytes)
        #expect(verdict == (isEntry ? .queryEntry(1795775931.5) : .notQueryEntry))
        let value = try PickleReader.read(bytes)
        if case .tuple(let items) = value, items.count == 2, items[0] == .float(1795775931.5) {
            #expect(isEntry)
        } else {
            #expect(!isEntry)
        }
    }

    @Test func cachalotsOwnEntriesAreRecognised() throws {
        let entry = try PickleWriter.dumps(.tuple([.float(1795775931.5), .list([.tuple([.string("x")])])]), protocol: 5)
        #expect(QueryEntryProbe.probe(entry) == .queryEntry(1795775931.5))
        let triple = try PickleWriter.dumps(.tuple([.float(1795775931.5), .int(1), .int(2)]), protocol: 5)
        #expect(QueryEntryProbe.probe(triple) == .notQueryEntry)
    }

    @Test func protocol0IsLeftToTheFullReader() {
        #expect(QueryEntryProbe.probe(Array("(F1.5\nI1\ntp0\n.".utf8)) == .unknown)
    }
}
