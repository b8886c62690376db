import Glibc

/// Environment variables as the settings loader reads them: one name at a
/// time (the process's with `getenv`, a test's from a dictionary literal).
public struct Environment: ExpressibleByDictionaryLiteral, Sendable {
    private let lookup: @Sendable (String) -> String?

    public init(_ lookup: @escaping @Sendable (String) -> String?) { self.lookup = lookup }

    public init(dictionaryLiteral elements: (String, String)...) {
        let values = Dictionary(elements, uniquingKeysWith: { _, last in last })
        lookup = { values[$0] }
    }

    /// This process's environment.
    public static let process = Environment { name in getenv(name).map { String(cString: $0) } }

    public subscript(name: String) -> String? { lookup(name) }
}
