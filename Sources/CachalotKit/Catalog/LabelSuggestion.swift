/// "did you mean" for a label no database knows, as Django's own error
/// suggests an app's label for its name: the slips people make, before
/// typos. `APPS` (exported by `init`) maps labels to app names.
enum LabelSuggestion {
    /// " (did you mean 'wagtailcore'?)", or "".
    static func phrase(for label: String, catalogs: [Catalog], appNames: [String: String]) -> String {
        guard let suggestion = suggestion(for: label, catalogs: catalogs, appNames: appNames) else { return "" }
        return " (did you mean \(suggestion)?)"
    }

    /// Only labels some database knows are suggested.
    static func suggestion(for label: String, catalogs: [Catalog], appNames: [String: String]) -> String? {
        let known = Set(catalogs.flatMap(\.labelCandidates))
        guard let (suggested, why) = guess(for: label, catalogs: catalogs, appNames: appNames), known.contains(suggested) else {
            return Suggestion.closest(to: label, in: Array(known).sorted()).map { "'\($0)'" }
        }
        return "'\(suggested)'" + (why.map { ", " + $0 } ?? "")
    }

    private static func guess(for label: String, catalogs: [Catalog], appNames: [String: String]) -> (String, String?)? {
        let models = catalogs.flatMap(\.models).filter { $0.autoCreatedBy == nil }
        let appLabels = Set(catalogs.flatMap(\.appLabels))
        // Apps whose name is not their label (library's name is library).
        let labelOfName = Dictionary(appNames.filter { $0.key != $0.value }.map { ($0.value, $0.key) },
                                     uniquingKeysWith: { first, _ in first })
        // An app's name where its label belongs: wagtail → wagtailcore,
        // django.contrib.auth.User → auth.User.
        if let app = labelOfName[label] { return (app, "the label of app \(label)") }
        if let dot = label.lastIndex(of: "."), let app = labelOfName[String(label[..<dot])] {
            return (models.first { $0.appLabel == app && $0.name.lowercased() == label[label.index(after: dot)...].lowercased() }?.label
                        ?? "\(app)\(label[dot...])", "app \(label[..<dot]) by its label")
        }
        // The models module: myapp.models → myapp, myapp.models.Book → myapp.Book.
        let parts = label.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 2, parts[1] == "models", appLabels.contains(parts[0]) {
            return parts.count == 2 ? (parts[0], "the whole app") : ("\(parts[0]).\(parts[2...].joined(separator: "."))", nil)
        }
        // A model without its app: Book → library.Book.
        if parts.count == 1 {
            let owners = models.filter { $0.name.lowercased() == label.lowercased() }.map(\.label).uniqued()
            if let owner = owners.first { return (owner, owners.count > 1 ? "or " + owners.dropFirst().prefix(2).joined(separator: " or ") : nil) }
        }
        // Django's labels are case-sensitive: Library → library.
        let candidates = catalogs.flatMap(\.labelCandidates)
        return candidates.first { $0.lowercased() == label.lowercased() }.map { ($0, nil) }
    }
}
