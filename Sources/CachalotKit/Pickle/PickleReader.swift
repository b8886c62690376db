/// Reads pickles of protocols 0–5 the way CPython's unpickler does, except
/// that classes are never imported or called: objects come back as
/// `PickleValue.object`. Any malformed, truncated or hostile input is an
/// error, never a crash or a hang: the value may nest at most
/// `maximumDepth` deep and expand to at most `valueBudget` values (memo
/// references can double a value at every step), and what the reader built
/// is taken apart without recursion.
public struct PickleReader {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var reason: String
        public var offset: Int
        public var description: String { "invalid pickle at byte \(offset): \(reason)" }
    }

    /// Deeper than any result Django caches (rows of tuples of values).
    public static let maximumDepth = 200
    /// A pickle spends a byte or more on each value it holds; only memo
    /// references (DUP, GET) make more values than that, and a bomb makes
    /// millions from a few bytes. Allowed: a million, or four per input byte.
    public static func valueBudget(forLength length: Int) -> Int { max(1_000_000, 4 * length) }

    /// Every container, shared between the stack and the memo as in Python
    /// (APPENDS after a BINPUT reach every reference).
    private final class Node {
        enum Kind { case list, dict, set, object, tuple, frozenSet }
        let kind: Kind
        var items: [Slot] = []
        var entries: [(Slot, Slot)] = []
        var callable: Slot?
        var state: Slot?
        init(_ kind: Kind, items: [Slot] = []) {
            self.kind = kind
            self.items = items
        }
    }

    private enum Slot {
        case value(PickleValue)
        case node(Node)
        case mark
    }

    private let bytes: [UInt8]
    private var position = 0
    private var stack: [Slot] = []
    private var memo: [Int: Slot] = [:]
    /// Every node made, so that teardown can unlink them one by one.
    private var nodes: [Node] = []
    private let maximumValues: Int
    private var valuesLeft: Int

    /// `pickle.loads(bytes)`: bytes after the STOP opcode are ignored, as Python does.
    public static func read(_ bytes: [UInt8]) throws -> PickleValue {
        try readPrefix(bytes).value
    }

    /// `pickle.load(file)`: the first pickle in `bytes` and how many bytes it took.
    public static func readPrefix(_ bytes: [UInt8]) throws -> (value: PickleValue, length: Int) {
        var reader = PickleReader(bytes: bytes)
        defer { reader.tearDown() }
        let value = try reader.run()
        return (value, reader.position)
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
        maximumValues = Self.valueBudget(forLength: bytes.count)
        valuesLeft = maximumValues
    }

    /// Releasing a chain of 50,000 nested nodes one inside the other would
    /// recurse 50,000 deep: empty every node first, then let them go.
    private mutating func tearDown() {
        stack = []
        memo = [:]
        for node in nodes {
            node.items = []
            node.entries = []
            node.callable = nil
            node.state = nil
        }
        nodes = []
    }

    private mutating func make(_ kind: Node.Kind, items: [Slot] = []) throws -> Node {
        guard nodes.count < maximumValues else { throw fail("more than \(maximumValues) containers") }
        let node = Node(kind, items: items)
        nodes.append(node)
        return node
    }

    private func fail(_ reason: String) -> Failure { Failure(reason: reason, offset: position) }

    private mutating func run() throws -> PickleValue {
        while true {
            let code = try byte()
            guard let opcode = PickleOpcode(rawValue: code) else {
                throw fail("unknown opcode 0x\(String(code, radix: 16))")
            }
            if opcode == .stop {
                guard stack.count == 1, let top = stack.last else { throw fail("STOP with \(stack.count) items on the stack") }
                var sizes: [ObjectIdentifier: Int] = [:]
                guard try expandedSize(top, depth: 0, sizes: &sizes) <= maximumValues else {
                    throw fail("expands to more than \(maximumValues) values (a memo reference bomb)")
                }
                return try resolve(top, depth: 0)
            }
            try execute(opcode)
        }
    }

    // MARK: reading bytes

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else { throw fail("truncated: wanted \(count) more bytes") }
        defer { position += count }
        return bytes[position..<position + count]
    }

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("truncated: wanted 1 more byte") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0a) else { throw fail("truncated: missing newline") }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    /// A protocol 0 text line, whose bytes are Latin-1 characters.
    private mutating func latin1Line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0a) else { throw fail("truncated: missing newline") }
        defer { position = end + 1 }
        return String(String.UnicodeScalarView(bytes[position..<end].map { Unicode.Scalar($0) }))
    }

    private mutating func littleEndian(_ count: Int) throws -> UInt64 {
        try take(count).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    private mutating func length(_ count: Int) throws -> Int {
        let value = try littleEndian(count)
        guard value <= UInt64(bytes.count) else { throw fail("length \(value) exceeds the input") }
        return Int(value)
    }

    // MARK: stack

    private mutating func pop() throws -> Slot {
        guard let top = stack.popLast() else { throw fail("stack underflow") }
        if case .mark = top { throw fail("unexpected MARK") }
        return top
    }

    private mutating func popToMark() throws -> [Slot] {
        guard let index = stack.lastIndex(where: { if case .mark = $0 { return true } else { return false } }) else {
            throw fail("no MARK on the stack")
        }
        let items = Array(stack[(index + 1)...])
        stack.removeSubrange(index...)
        return items
    }

    private mutating func top() throws -> Slot {
        guard let top = stack.last else { throw fail("stack underflow") }
        return top
    }

    private mutating func node(_ kinds: Node.Kind...) throws -> Node {
        guard case .node(let node) = try top(), kinds.contains(node.kind) else { throw fail("container expected on the stack") }
        return node
    }

    private mutating func push(_ value: PickleValue) { stack.append(.value(value)) }

    // MARK: opcodes

    private mutating func execute(_ opcode: PickleOpcode) throws {
        switch opcode {
        case .proto:
            let version = try byte()
            guard version <= 5 else { throw fail("unsupported protocol \(version)") }
        case .frame:
            _ = try length(8)
        case .stop:
            break
        case .mark: stack.append(.mark)
        case .pop:
            guard !stack.isEmpty else { throw fail("stack underflow") }
            stack.removeLast()
        case .popMark: _ = try popToMark()
        case .dup: stack.append(try top())
        case .none: push(.none)
        case .newTrue: push(.bool(true))
        case .newFalse: push(.bool(false))
        case .int: try pushTextInt(try line())
        case .long:
            var text = try line()
            if text.hasSuffix("L") { text.removeLast() }
            try pushTextInt(text)
        case .binInt: push(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4)))))
        case .binInt1: push(.int(Int(try byte())))
        case .binInt2: push(.int(Int(try littleEndian(2))))
        case .long1: try pushLong(Array(try take(try length(1))))
        case .long4: try pushLong(Array(try take(try length(4))))
        case .float:
            let text = try line()
            guard let value = Double(text) else { throw fail("bad FLOAT \(text)") }
            push(.float(value))
        case .binFloat: push(.float(Double(bitPattern: try take(8).reduce(0) { $0 << 8 | UInt64($1) })))
        case .string: push(.bytes(try quotedString(try line())))
        case .binString: push(.bytes(Array(try take(try length(4)))))
        case .shortBinString: push(.bytes(Array(try take(try length(1)))))
        case .unicode: push(.string(try rawUnicodeEscape(try latin1Line())))
        case .binUnicode: try pushUTF8(try length(4))
        case .shortBinUnicode: try pushUTF8(try length(1))
        case .binUnicode8: try pushUTF8(try length(8))
        case .binBytes: push(.bytes(Array(try take(try length(4)))))
        case .shortBinBytes: push(.bytes(Array(try take(try length(1)))))
        case .binBytes8, .byteArray8: push(.bytes(Array(try take(try length(8)))))
        case .emptyTuple: stack.append(.node(try make(.tuple)))
        case .tuple: stack.append(.node(try make(.tuple, items: try popToMark())))
        case .tuple1: let a = try pop(); stack.append(.node(try make(.tuple, items: [a])))
        case .tuple2: let b = try pop(), a = try pop(); stack.append(.node(try make(.tuple, items: [a, b])))
        case .tuple3: let c = try pop(), b = try pop(), a = try pop(); stack.append(.node(try make(.tuple, items: [a, b, c])))
        case .emptyList: stack.append(.node(try make(.list)))
        case .list: stack.append(.node(try make(.list, items: try popToMark())))
        case .append: let item = try pop(); try node(.list).items.append(item)
        case .appends: let items = try popToMark(); try node(.list).items += items
        case .emptyDict: stack.append(.node(try make(.dict)))
        case .dict: let dict = try make(.dict); dict.entries = try pairs(try popToMark()); stack.append(.node(dict))
        case .setItem: let value = try pop(), key = try pop(); try node(.dict).entries.append((key, value))
        case .setItems: let items = try pairs(try popToMark()); try node(.dict).entries += items
        case .emptySet: stack.append(.node(try make(.set)))
        case .addItems: let items = try popToMark(); try node(.set).items += items
        case .frozenSet: stack.append(.node(try make(.frozenSet, items: try popToMark())))
        case .put: try store(at: try textIndex(try line()))
        case .binPut: try store(at: Int(try byte()))
        case .longBinPut: try store(at: Int(try littleEndian(4)))
        case .memoize: try store(at: memo.count)
        case .get: try fetch(try textIndex(try line()))
        case .binGet: try fetch(Int(try byte()))
        case .longBinGet: try fetch(Int(try littleEndian(4)))
        case .global:
            let module = try line(), name = try line()
            push(.global(module: module, name: name))
        case .stackGlobal:
            guard case .value(.string(let name)) = try pop(), case .value(.string(let module)) = try pop() else {
                throw fail("STACK_GLOBAL needs two strings")
            }
            push(.global(module: module, name: name))
        case .reduce:
            let arguments = try pop(), callable = try pop()
            try pushObject(callable, arguments)
        case .newObj:
            let arguments = try pop(), cls = try pop()
            try pushObject(cls, arguments)
        case .newObjEx:
            _ = try pop()  // keyword arguments are shown as part of the state-less call
            let arguments = try pop(), cls = try pop()
            try pushObject(cls, arguments)
        case .obj:
            var items = try popToMark()
            guard !items.isEmpty else { throw fail("OBJ without a class") }
            let cls = items.removeFirst()
            try pushObject(cls, .node(try make(.tuple, items: items)))
        case .inst:
            let module = try line(), name = try line()
            try pushObject(.value(.global(module: module, name: name)), .node(try make(.tuple, items: try popToMark())))
        case .build:
            let state = try pop()
            guard case .node(let object) = try top(), object.kind == .object else {
                throw fail("BUILD on something that is not an object")
            }
            object.state = state
        case .persID, .binPersID, .ext1, .ext2, .ext4, .nextBuffer, .readonlyBuffer:
            throw fail("opcode \(opcode) needs the program that wrote the pickle")
        }
    }

    private mutating func pushTextInt(_ text: String) throws {
        switch text {
        case "00": push(.bool(false))
        case "01": push(.bool(true))
        default:
            guard let value = Int(text) else { throw fail("integer \(text) does not fit 64 bits") }
            push(.int(value))
        }
    }

    private mutating func pushLong(_ data: [UInt8]) throws {
        if data.isEmpty { return push(.int(0)) }
        guard data.count <= 8 else { return push(.bigInt(data)) }
        var value: UInt64 = 0
        for (index, byte) in data.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        if data.count < 8, data.last! & 0x80 != 0 { value |= ~0 << (8 * UInt64(data.count)) }
        push(.int(Int(Int64(bitPattern: value))))
    }

    private mutating func pushUTF8(_ count: Int) throws {
        let raw = try take(count)
        guard let text = String(validating: raw, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
        push(.string(text))
    }

    private mutating func pushObject(_ callable: Slot, _ arguments: Slot) throws {
        guard case .node(let tuple) = arguments, tuple.kind == .tuple else { throw fail("object arguments must be a tuple") }
        let object = try make(.object, items: [arguments])
        object.callable = callable
        stack.append(.node(object))
    }

    private func pairs(_ items: [Slot]) throws -> [(Slot, Slot)] {
        guard items.count % 2 == 0 else { throw fail("odd number of items for a dict") }
        return stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
    }

    private mutating func store(at index: Int) throws { memo[index] = try top() }

    private mutating func fetch(_ index: Int) throws {
        guard let slot = memo[index] else { throw fail("memo entry \(index) is not set") }
        stack.append(slot)
    }

    private func textIndex(_ text: String) throws -> Int {
        guard let index = Int(text), index >= 0 else { throw fail("bad memo index \(text)") }
        return index
    }

    /// Protocol 0 `S'...'` strings: Python's repr of a byte string.
    private func quotedString(_ text: String) throws -> [UInt8] {
        var raw = Array(text.utf8)
        guard raw.count >= 2, let quote = raw.first, quote == raw.last, quote == 0x27 || quote == 0x22 else {
            throw fail("STRING is not quoted")
        }
        raw = Array(raw.dropFirst().dropLast())
        var result: [UInt8] = []
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            index += 1
            guard byte == 0x5c, index < raw.count else { result.append(byte); continue }
            let escape = raw[index]
            index += 1
            switch escape {
            case UInt8(ascii: "n"): result.append(0x0a)
            case UInt8(ascii: "r"): result.append(0x0d)
            case UInt8(ascii: "t"): result.append(0x09)
            case UInt8(ascii: "x"):
                guard index + 2 <= raw.count, let value = UInt8(String(decoding: raw[index..<index + 2], as: UTF8.self), radix: 16) else {
                    throw fail("bad \\x escape")
                }
                result.append(value)
                index += 2
            default: result.append(escape)
            }
        }
        return result
    }

    /// Protocol 0 `V` strings: raw-unicode-escape, `\uXXXX` and `\UXXXXXXXX`.
    private func rawUnicodeEscape(_ text: String) throws -> String {
        var scalars = String.UnicodeScalarView()
        let input = Array(text.unicodeScalars)
        var index = 0
        while index < input.count {
            if input[index] == "\\", index + 1 < input.count, input[index + 1] == "u" || input[index + 1] == "U" {
                let width = input[index + 1] == "u" ? 4 : 8
                let digits = String(String.UnicodeScalarView(input[min(index + 2, input.count)..<min(index + 2 + width, input.count)]))
                guard digits.count == width, let code = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(code) else {
                    throw fail("bad \\u escape")
                }
                scalars.append(scalar)
                index += 2 + width
            } else {
                scalars.append(input[index])
                index += 1
            }
        }
        return String(scalars)
    }

    // MARK: resolving shared nodes into values

    /// How many values `slot` resolves to, a shared node counted each time
    /// it appears, computed once per node: a bomb is refused before it is
    /// built. Saturates just above the budget.
    private func expandedSize(_ slot: Slot, depth: Int, sizes: inout [ObjectIdentifier: Int]) throws -> Int {
        guard case .node(let node) = slot else { return 1 }
        if let known = sizes[ObjectIdentifier(node)] { return known }
        guard depth < Self.maximumDepth else {
            throw fail("nested deeper than \(Self.maximumDepth) levels, or a self-referencing structure")
        }
        var total = 1
        let children = node.items + node.entries.flatMap { [$0.0, $0.1] } + [node.callable, node.state].compactMap { $0 }
        for child in children where total <= maximumValues {
            total += try expandedSize(child, depth: depth + 1, sizes: &sizes)
        }
        total = min(total, maximumValues + 1)
        sizes[ObjectIdentifier(node)] = total
        return total
    }

    private mutating func resolve(_ slot: Slot, depth: Int) throws -> PickleValue {
        guard depth < Self.maximumDepth else {
            throw fail("nested deeper than \(Self.maximumDepth) levels, or a self-referencing structure")
        }
        valuesLeft -= 1
        guard valuesLeft >= 0 else { throw fail("expands to more than \(maximumValues) values") }
        let next = depth + 1
        switch slot {
        case .value(let value): return value
        case .mark: throw fail("unexpected MARK")
        case .node(let node):
            var items: [PickleValue] = []
            items.reserveCapacity(node.items.count)
            for item in node.items { items.append(try resolve(item, depth: next)) }
            switch node.kind {
            case .list: return .list(items)
            case .tuple: return .tuple(items)
            case .set: return .set(items)
            case .frozenSet: return .frozenSet(items)
            case .dict:
                var entries: [PickleDictEntry] = []
                for (key, value) in node.entries {
                    entries.append(PickleDictEntry(key: try resolve(key, depth: next), value: try resolve(value, depth: next)))
                }
                return .dict(entries)
            case .object:
                guard let callable = node.callable, case .tuple(let arguments)? = items.first else {
                    throw fail("incomplete object")
                }
                return .object(callable: try resolve(callable, depth: next), arguments: arguments,
                               state: try node.state.map { try resolve($0, depth: next) })
            }
        }
    }
}
