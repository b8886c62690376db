import CachalotKit

/// The CachalotError `body` throws, or nil: for tests that check a
/// failure's message and exit code.
public func caughtError(_ body: () throws -> Void) -> CachalotError? {
    do { try body() } catch { return CachalotError(error) }
    return nil
}
