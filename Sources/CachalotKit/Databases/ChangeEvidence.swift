/// What a database itself says about which tables changed, for `sync`:
/// an opaque token per table that differs whenever the table's rows may
/// have changed, and an epoch that differs whenever the tokens cannot be
/// compared with earlier ones (statistics reset, server restart). A table
/// without a token has no evidence and is always taken as changed.
public struct ChangeEvidence: Equatable, Sendable {
    public var epoch: String
    public var tokens: [String: String]
    /// What the evidence cannot see, in one sentence, for the report.
    public var limits: String

    public init(epoch: String, tokens: [String: String], limits: String) {
        self.epoch = epoch
        self.tokens = tokens
        self.limits = limits
    }
}

/// A database that can give `ChangeEvidence`: every engine cachalot
/// supports, each in its own file beside its database.
public protocol ChangeEvidenceSource {
    /// The evidence for `tables` (names as Django's introspection lists
    /// them). Refuses (usage error) where the engine's evidence cannot be
    /// trusted at all, e.g. a PostgreSQL hot standby.
    func changeEvidence(of tables: [String]) throws -> ChangeEvidence
}
