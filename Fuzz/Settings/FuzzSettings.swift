import FuzzSupport
@testable import CachalotKit

/// A settings document, TOML or JSON by its first byte: typed settings or
/// a usage error, never a crash, whatever the nesting.
enum FuzzSettings {
    static func test(_ bytes: [UInt8]) {
        guard let first = bytes.first, let text = String(validating: bytes.dropFirst(), as: UTF8.self) else { return }
        let format: SettingsFile.Format = first & 1 == 0 ? .toml : .json
        do {
            _ = try SettingsLoader.load(SettingsFile(path: "/fuzz/cachalot.\(format.rawValue)", format: format, text: text),
                                        environment: ["HOME": "/home/fuzz", "DB": "db.sqlite3"], currentDirectory: "/")
        } catch let error as CachalotError {
            if error.exitCode != .usage || error.message.count > 2_000 { fatalError("settings errors are short usage errors: \(error)") }
        } catch {
            fatalError("unexpected \(error)")
        }
    }
}

@main enum Main { static func main() { FuzzHarness.run(FuzzSettings.test) } }
