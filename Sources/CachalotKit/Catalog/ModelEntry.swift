/// One Django model as cachalot sees it: its label and its table.
public struct ModelEntry: Equatable, Sendable {
    public var appLabel: String
    public var name: String
    public var table: String
    /// For an auto-created many-to-many model (`Book_authors`), the model
    /// that declares the field (`Book`).
    public var autoCreatedBy: String?

    public var label: String { "\(appLabel).\(name)" }

    /// "app_label.ModelName": both parts, which are not empty and hold no
    /// dot. Read as bytes: splitting a String by Characters cost ~4,000
    /// instructions a label, 13 % of `invalidate` with MODELS, in callgrind.
    static func labelParts(_ label: String) -> (app: String, name: String)? {
        let bytes = label.utf8
        guard let dot = bytes.firstIndex(of: UInt8(ascii: ".")), dot != bytes.startIndex else { return nil }
        let afterDot = bytes.index(after: dot)
        guard afterDot != bytes.endIndex, !bytes[afterDot...].contains(UInt8(ascii: ".")) else { return nil }
        return (String(label[..<dot]), String(label[afterDot...]))
    }
}
