/// One Django model as cachalot sees it: its label and its table.
public struct ModelEntry: Equatable, Sendable {
    public var appLabel: String
    public var name: String
    public var table: String
    /// For an auto-created many-to-many model (`Book_authors`), the model
    /// that declares the field (`Book`).
    public var autoCreatedBy: String?

    public var label: String { "\(appLabel).\(name)" }
}
