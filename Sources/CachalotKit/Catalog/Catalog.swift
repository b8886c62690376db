/// The models and tables of one database, and the rules that turn the
/// labels a user types (`auth`, `auth.User`, `auth_user`) into tables.
public struct Catalog {
    public let databaseAlias: String
    /// Tables that exist in the database (Django's introspection).
    public let tables: [String]
    public let models: [ModelEntry]
    /// Content types whose default table does not exist (custom db_table):
    /// labels that need them ask for MODELS instead of guessing.
    public let unmappedModels: [ContentType]
    private let settingsPath: String
    private let appLabels: [String]

    /// What a label stands for.
    public struct Match: Equatable {
        public var tables: [String]
        /// Django models it names (auto-created ones not counted), as Django's
        /// command counts them; a bare table counts as one.
        public var modelCount: Int
    }

    public init(databaseAlias: String, tables: [String], models: [ModelEntry],
                unmappedModels: [ContentType] = [], settingsPath: String = "the settings file") {
        self.databaseAlias = databaseAlias
        self.tables = tables
        self.models = models
        self.unmappedModels = unmappedModels
        self.settingsPath = settingsPath
        appLabels = (models.map(\.appLabel) + unmappedModels.map(\.appLabel)).uniqued()
    }

    /// Builds the catalog from MODELS when the settings have it, else from
    /// the database's content types with Django's default table names.
    public static func load(settings: Settings, database: Database) throws -> Catalog {
        let alias = database.settings.alias
        let tables = try database.tableNames()
        if let models = settings.models {
            return Catalog(databaseAlias: alias, tables: tables, models: fromModelsSetting(models))
        }
        guard tables.contains("django_content_type") else {
            return Catalog(databaseAlias: alias, tables: tables, models: [])
        }
        return fromContentTypes(try database.contentTypes(), tables: tables, alias: alias, settingsPath: settings.path)
    }

    static func fromModelsSetting(_ models: [String: String]) -> [ModelEntry] {
        let entries = models.keys.sorted().compactMap { label -> ModelEntry? in
            let parts = label.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let table = models[label] else { return nil }
            return ModelEntry(appLabel: parts[0], name: parts[1], table: table)
        }
        // An auto-created M2M model is named "<Model>_<field>" after a model of its app.
        let namesByApp = Dictionary(grouping: entries, by: \.appLabel).mapValues { Set($0.map(\.name)) }
        return entries.map { entry in
            var entry = entry
            let names = namesByApp[entry.appLabel] ?? []
            var prefix = ""
            for part in entry.name.split(separator: "_", omittingEmptySubsequences: false).dropLast() {
                prefix += prefix.isEmpty ? String(part) : "_" + part
                if names.contains(prefix) { entry.autoCreatedBy = prefix; break }
            }
            return entry
        }
    }

    /// Django's default naming: content type (app, model) has table
    /// `<app>_<model>`, and auto-created M2M tables start with it plus `_`.
    static func fromContentTypes(_ contentTypes: [ContentType], tables: [String], alias: String,
                                 settingsPath: String) -> Catalog {
        let existing = Set(tables)
        let defaultTables = Set(contentTypes.map { "\($0.appLabel)_\($0.model)" })
        var models: [ModelEntry] = []
        var unmapped: [ContentType] = []
        for type in contentTypes {
            let table = djangoContribTables["\(type.appLabel).\(type.model)"] ?? "\(type.appLabel)_\(type.model)"
            guard existing.contains(table) else {
                unmapped.append(type)
                continue
            }
            models.append(ModelEntry(appLabel: type.appLabel, name: type.model, table: table))
            for m2m in tables where m2m.hasPrefix(table + "_") && !defaultTables.contains(m2m) {
                models.append(ModelEntry(appLabel: type.appLabel, name: String(m2m.dropFirst(type.appLabel.count + 1)),
                                         table: m2m, autoCreatedBy: type.model))
            }
        }
        return Catalog(databaseAlias: alias, tables: tables, models: models, unmappedModels: unmapped,
                       settingsPath: settingsPath)
    }

    /// Django's own models whose db_table is not the default name.
    static let djangoContribTables = [
        "contenttypes.contenttype": "django_content_type",
        "sessions.session": "django_session",
        "admin.logentry": "django_admin_log",
        "sites.site": "django_site",
        "redirects.redirect": "django_redirect",
        "flatpages.flatpage": "django_flatpage",
    ]

    /// Every table of an app (auto-created M2M tables included), or nil for
    /// an unknown app label.
    public func tables(ofApp app: String) -> [String]? {
        guard appLabels.contains(app) else { return nil }
        return models.filter { $0.appLabel == app }.map(\.table).uniqued()
    }

    /// Resolves `app`, `app.Model` (model name case-insensitive, as Django)
    /// or a table name of this database. With `includingAutoCreated`, a
    /// model brings its auto-created M2M tables along.
    public func resolve(_ label: String, includingAutoCreated: Bool) throws -> Match? {
        let app = label.split(separator: ".", maxSplits: 1).first.map(String.init) ?? label
        let modelName = label.contains("." as Character) ? label.split(separator: ".").last?.lowercased() : nil
        if let missing = unmappedModels.first(where: { $0.appLabel == app && (modelName == nil || $0.model == modelName) }) {
            throw CachalotError.usage(
                "database '\(databaseAlias)': model \(missing.appLabel).\(missing.model) has no table \(missing.appLabel)_\(missing.model); it has a custom db_table or was removed",
                hint: "add MODELS to \(settingsPath) (export it from the Django project: see README) so that labels map to the right tables")
        }
        if let tables = tables(ofApp: label) {
            return Match(tables: tables, modelCount: models.filter { $0.appLabel == label && $0.autoCreatedBy == nil }.count)
        }
        if let dot = label.lastIndex(of: ".") {
            let app = String(label[..<dot]), name = label[label.index(after: dot)...].lowercased()
            if let model = models.first(where: { $0.appLabel == app && $0.name.lowercased() == name }) {
                let related = includingAutoCreated
                    ? models.filter { $0.appLabel == app && $0.autoCreatedBy?.lowercased() == name }.map(\.table)
                    : []
                return Match(tables: ([model.table] + related).uniqued(), modelCount: 1)
            }
        }
        if tables.contains(label) { return Match(tables: [label], modelCount: 1) }
        return nil
    }

    /// Everything a label could have been, for "did you mean".
    public var labelCandidates: [String] { appLabels + models.map(\.label) + tables }
}
