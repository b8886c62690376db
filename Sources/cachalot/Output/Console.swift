import CachalotKit
import Foundation

/// stdout carries results, stderr diagnostics.
enum Console {
    static func out(_ text: String) { write(text, to: FileHandle.standardOutput) }
    static func err(_ text: String) { write(text, to: FileHandle.standardError) }

    static func error(_ error: CachalotError) {
        err("cachalot: error: \(error.message)" + (error.hint.map { "\n  hint: \($0)" } ?? ""))
    }

    static func warning(_ text: String) { err("cachalot: warning: \(text)") }
    static func note(_ text: String) { err("cachalot: note: \(text)") }

    private static func write(_ text: String, to handle: FileHandle) {
        handle.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}
