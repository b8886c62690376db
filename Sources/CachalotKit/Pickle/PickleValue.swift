/// A Python object as a pickle describes it. Objects of classes are kept as
/// the call that would build them (`global`, arguments, state): they are
/// shown, never executed.
public indirect enum PickleValue: Equatable, Sendable {
    case none
    case bool(Bool)
    case int(Int)
    /// An int too large for 64 bits: two's-complement bytes, little-endian.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list([PickleValue])
    case dict([PickleDictEntry])
    case set([PickleValue])
    case frozenSet([PickleValue])
    /// `module.name`, as GLOBAL / STACK_GLOBAL name it.
    case global(module: String, name: String)
    /// `callable(*arguments)` (REDUCE, NEWOBJ), then `__setstate__(state)` (BUILD).
    case object(callable: PickleValue, arguments: [PickleValue], state: PickleValue?)

    /// The value as a number, when it is an int or a float.
    public var number: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .float(let value): return value
        default: return nil
        }
    }
}

/// One key/value pair of a pickled dict, in pickling order.
public struct PickleDictEntry: Equatable, Sendable {
    public var key: PickleValue
    public var value: PickleValue
}
