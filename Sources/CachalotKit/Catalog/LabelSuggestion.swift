/// "did you mean" for a label no database knows, as Django's own error
/// suggests an app's label for its name: the slips people make, before
/// typos. `APPS` (exported by `init`) maps labels to app names.
enum LabelSuggestion {
    /// " (did you mean 'wagtailcore'?)", or "".
    static func phrase(for label: String, catalogs: [Catalog], appNames: [String: String]) -> String {
        guard let suggestion = suggestion(for: label, catalogs: catalogs, appNames: appNames) else { return "" }
        return " (did you mean \(suggestion)?)"
    }

    static func suggestion(for label: String, catalogs: [Catalog], appNames: [String: String]) -> String? {
        let models = catalogs.flatMap(\.models).filter { $0.autoCreatedBy == nil }
        let appLabels = Set(catalogs.flatMap(\.appLabels))
        // Apps whose name is not their label (library's name is library).
        let labelOfName = Dictionary(appNames.filter { $0.key != $0.value }.map { ($0.value, $0.key) },
                                     uniquingKeysWith: { first, _ in first })
        // An app's name where its label belongs: wagtail → wagtailcore,
        // django.contrib.auth.User → auth.User.
        if let app = labelOfName[label] { return "'\(app)', the label of app \(label)" }
        if let dot = label.lastIndex(of: "."), let app = labelOfName[String(label[..<dot])] {
            return "'\(app)\(label[dot...])', app \(label[..<dot]) by its label"
        }
        // The models module: myapp.models → myapp, myapp.models.Book → myapp.Book.
        let parts = label.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 2, parts[1] == "models", appLabels.contains(parts[0]) {
            return parts.count == 2 ? "'\(parts[0])', the whole app" : "'\(parts[0]).\(parts[2...].joined(separator: "."))'"
        }
        // A model without its app: Book → library.Book.
        if parts.count == 1 {
            let owners = models.filter { $0.name.lowercased() == label.lowercased() }.map(\.label).uniqued()
            if !owners.isEmpty { return owners.prefix(3).map { "'\($0)'" }.joined(separator: " or ") }
        }
        // Django's labels are case-sensitive: Library → library.
        let candidates = catalogs.flatMap(\.labelCandidates)
        if let exact = candidates.first(where: { $0.lowercased() == label.lowercased() }) { return "'\(exact)'" }
        return Suggestion.closest(to: label, in: candidates).map { "'\($0)'" }
    }
}
