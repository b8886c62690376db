/// The one error type of cachalot: what went wrong in words a person can act
/// on, an optional hint, and the process exit code it maps to. Messages that
/// more than one part of cachalot can raise live in ErrorCatalogue.swift.
public struct CachalotError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Exit codes documented in the man page.
    public enum ExitCode: Int32, Sendable {
        /// A server, file or database could not be reached or read; partial failure.
        case runtime = 1
        /// Bad command line, bad settings file, unknown label: nothing was written.
        case usage = 2
    }

    public var message: String
    public var hint: String?
    public var exitCode: ExitCode

    public init(_ message: String, hint: String? = nil, exitCode: ExitCode) {
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
    }

    /// Any error as a `CachalotError`: itself, or a runtime failure saying it.
    public init(_ error: Error) {
        if let error = error as? CachalotError {
            self = error
        } else if let partial = error as? PartialReadFailure {
            self = partial.error
        } else if let failure = error as? TargetFailure {
            self = CachalotError(failure.description, hint: failure.error.hint, exitCode: failure.error.exitCode)
        } else {
            self = .runtime("\(error)")
        }
    }

    /// A usage or settings error (exit 2).
    public static func usage(_ message: String, hint: String? = nil) -> CachalotError {
        CachalotError(message, hint: hint, exitCode: .usage)
    }

    /// A runtime failure (exit 1).
    public static func runtime(_ message: String, hint: String? = nil) -> CachalotError {
        CachalotError(message, hint: hint, exitCode: .runtime)
    }

    /// The same error, its message prefixed with where it happened.
    public func at(_ context: String) -> CachalotError {
        CachalotError("\(context): \(message)", hint: hint, exitCode: exitCode)
    }

    public var description: String {
        hint.map { "\(message)\n  hint: \($0)" } ?? message
    }
}
