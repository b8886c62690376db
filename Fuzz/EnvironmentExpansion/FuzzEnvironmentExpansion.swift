import FuzzSupport
@testable import CachalotKit

/// `${VAR}` expansion of any text: expanded, or refused as unset or
/// malformed, with a position inside the text.
enum FuzzEnvironmentExpansion {
    static func test(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        do {
            _ = try EnvironmentExpansion.expand(text, environment: ["A": "alpha", "EMPTY": "", "B_2": "${A}"])
        } catch let malformed as EnvironmentExpansion.Malformed {
            if malformed.offset < 0 || malformed.offset >= text.count { fatalError("position \(malformed.offset) outside \(text.count)") }
        } catch is EnvironmentExpansion.UnsetVariable {
        } catch {
            fatalError("unexpected \(error)")
        }
    }
}

@main enum Main { static func main() { FuzzHarness.run(FuzzEnvironmentExpansion.test) } }
