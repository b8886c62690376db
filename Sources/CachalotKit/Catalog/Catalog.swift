/// The models and tables of one database, and the rules that turn the
/// labels a user types (`auth`, `auth.User`, `auth_user`) into tables.
public struct Catalog {
    public let databaseAlias: String
    /// Tables that exist in the database (Django's introspection), or, when
    /// MODELS answered every label without a connection, MODELS' tables.
    public let tables: [String]
    public let models: [ModelEntry]
    /// Content types whose default table does not exist (custom db_table,
    /// or a model deleted since): labels of their app get a warning, or a
    /// request for MODELS when `unclaimedTables` may be that custom table.
    public let unmappedModels: [ContentType]
    /// Tables no model accounts for (by its default name, or as the
    /// many-to-many table of one).
    public let unclaimedTables: [String]
    /// MODELS tables that introspection does not list — schema-qualified
    /// names such as `"public"."t"`, views, names the server lower-cases —
    /// which Django keys literally.
    public let unlistedModelTables: [String]
    /// False when MODELS answered and the database was never opened.
    public let introspected: Bool
    private let settingsPath: String
    let appLabels: [String]

    /// What a label stands for.
    public struct Match: Equatable {
        public var tables: [String]
        /// Django models it names (auto-created ones not counted), as Django's
        /// command counts them; a bare table counts as one.
        public var modelCount: Int
        /// Something the user should know (a stale content type).
        public var warnings: [String] = []
    }

    public init(databaseAlias: String, tables: [String], models: [ModelEntry],
                unmappedModels: [ContentType] = [], unclaimedTables: [String] = [],
                unlistedModelTables: [String] = [], introspected: Bool = true,
                settingsPath: String = "the settings file") {
        self.databaseAlias = databaseAlias
        self.tables = tables
        self.models = models
        self.unmappedModels = unmappedModels
        self.unclaimedTables = unclaimedTables
        self.unlistedModelTables = unlistedModelTables
        self.introspected = introspected
        self.settingsPath = settingsPath
        appLabels = (models.map(\.appLabel) + unmappedModels.map(\.appLabel)).uniqued()
    }

    /// Builds the catalog from MODELS when the settings have it, else from
    /// the database's content types with Django's default table names. With
    /// MODELS, labels it answers on its own never open the database (one
    /// that is down or being restored must not block `invalidate app`):
    /// `open` is called only when introspection is needed. `labels` nil:
    /// the tables are known already, the catalog only maps apps to tables.
    public static func load(settings: Settings, alias: String, labels: [String]?, modelNames: Bool = true,
                            open: () throws -> Database) throws -> (catalog: Catalog, database: Database?) {
        if let models = settings.models {
            let entries = fromModelsSetting(models)
            let modelTables = entries.map(\.table).uniqued()
            let offline = Catalog(databaseAlias: alias, tables: modelTables, models: entries, introspected: false,
                                  settingsPath: settings.path)
            let answered = labels.map { !$0.isEmpty && $0.allSatisfy(offline.answersWithoutTables) } ?? true
            if answered { return (offline, nil) }
            let database = try open()
            let tables = try database.tableNames()
            let listed = Set(tables)
            // Every MODELS table introspection does not list, keyed as Django
            // keys it: schema-qualified names, models on views, system-versioned
            // tables, names a lower_case_table_names server lower-cases.
            // Django's no-label invalidate() misses them, a restored dump does not.
            let unlisted = modelTables.filter { !listed.contains($0) }
            return (Catalog(databaseAlias: alias, tables: tables, models: entries, unlistedModelTables: unlisted,
                            settingsPath: settings.path), database)
        }
        let database = try open()
        // A no-label invalidate needs the table list only, as Django's:
        // django_content_type may be locked by the very restore being fixed.
        if !modelNames && labels?.isEmpty ?? true {
            return (Catalog(databaseAlias: alias, tables: try database.tableNames(), models: [], settingsPath: settings.path), database)
        }
        return (try load(settings: settings, database: database), database)
    }

    /// django-cachalot turns CACHALOT_ONLY_CACHABLE_APPS and
    /// CACHALOT_UNCACHABLE_APPS into the tables of every model the app
    /// registry holds (settings.py, convert_tables). Content types cannot
    /// say that (a custom db_table, a table whose name starts with another
    /// model's): only MODELS can.
    public static func refuseAppFiltersWithoutModels(_ settings: Settings) throws {
        guard settings.models == nil else { return }
        for (key, apps) in [("CACHALOT_ONLY_CACHABLE_APPS", settings.cachalot.onlyCachableApps),
                            ("CACHALOT_UNCACHABLE_APPS", settings.cachalot.uncachableApps)] where !apps.isEmpty {
            throw CachalotError.usage(
                "\(settings.path): \(key) needs MODELS: django-cachalot takes the tables of those apps from Django's app registry, which cachalot cannot guess",
                hint: "export the settings again with the README's command: it writes MODELS")
        }
    }

    /// The catalog of an open database.
    public static func load(settings: Settings, database: Database) throws -> Catalog {
        let alias = database.settings.alias
        let tables = try database.tableNames()
        if let models = settings.models {
            return Catalog(databaseAlias: alias, tables: tables, models: fromModelsSetting(models), settingsPath: settings.path)
        }
        guard tables.contains("django_content_type") else {
            return Catalog(databaseAlias: alias, tables: tables, models: [], settingsPath: settings.path)
        }
        return fromContentTypes(try database.contentTypes(), tables: tables, relations: try database.tableNames(includingViews: true),
                                alias: alias, settingsPath: settings.path)
    }

    /// An app label or model label of MODELS, or one of its tables.
    private func answersWithoutTables(_ label: String) -> Bool {
        appLabels.contains(label) || models.contains { $0.table == label || $0.label.lowercased() == label.lowercased() }
    }

    static func fromModelsSetting(_ models: [String: String]) -> [ModelEntry] {
        let entries = models.keys.sorted().compactMap { label -> ModelEntry? in
            guard let (app, name) = ModelEntry.labelParts(label), let table = models[label] else { return nil }
            return ModelEntry(appLabel: app, name: name, table: table)
        }
        // An auto-created M2M model is named "<Model>_<field>" after a model of its app:
        // the name up to one of its underscores, the first that names a model.
        let namesByApp = Dictionary(grouping: entries, by: \.appLabel).mapValues { Set($0.map(\.name)) }
        return entries.map { entry in
            var entry = entry
            let names = namesByApp[entry.appLabel] ?? []
            let bytes = entry.name.utf8
            for index in bytes.indices where bytes[index] == UInt8(ascii: "_") {
                let prefix = String(entry.name[..<index])
                if names.contains(prefix) { entry.autoCreatedBy = prefix; break }
            }
            return entry
        }
    }

    /// Django's default naming: content type (app, model) has table
    /// `<app>_<model>` (a view for an unmanaged model, so `relations` has
    /// views too), and auto-created M2M tables start with it plus `_`.
    static func fromContentTypes(_ contentTypes: [ContentType], tables: [String], relations: [String]? = nil, alias: String,
                                 settingsPath: String) -> Catalog {
        let existing = Set(relations ?? tables)
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
        // A custom db_table may be any name, the app's prefix included.
        let claimed = Set(models.map(\.table)).union(djangoTablesWithoutContentType)
        let unclaimed = tables.filter { !claimed.contains($0) }
        return Catalog(databaseAlias: alias, tables: tables, models: models, unmappedModels: unmapped,
                       unclaimedTables: unclaimed, settingsPath: settingsPath)
    }

    /// Django's tables that belong to no model with a content type.
    static let djangoTablesWithoutContentType: Set<String> = ["django_migrations"]

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
        var match = try resolveKnown(label, includingAutoCreated: includingAutoCreated)
        let app = label.split(separator: ".", maxSplits: 1).first.map(String.init) ?? label
        let modelName = label.contains("." as Character) ? label.split(separator: ".").last?.lowercased() : nil
        let stale = unmappedModels.filter { $0.appLabel == app && (modelName == nil || $0.model == modelName) }
        guard let first = stale.first else { return match }
        if !unclaimedTables.isEmpty {
            // One of those tables may be this model's custom db_table.
            throw CachalotError.usage(
                "database '\(databaseAlias)': model \(first.appLabel).\(first.model) has no table \(first.appLabel)_\(first.model), and tables no model accounts for exist (\(Self.list(unclaimedTables))): one may be its custom db_table",
                hint: "add MODELS to \(settingsPath) (export it from the Django project: see README) so that labels map to the right tables")
        }
        let names = stale.map { "\($0.appLabel).\($0.model)" }.joined(separator: ", ")
        let warning = "database '\(databaseAlias)': content type \(names) has no table (\(stale.map { "\($0.appLabel)_\($0.model)" }.joined(separator: ", "))) and no other table could be it: taken as a deleted model; add MODELS to \(settingsPath) to be exact"
        if match == nil, modelName == nil { match = Match(tables: [], modelCount: 0) }
        match?.warnings.append(warning)
        return match
    }

    private func resolveKnown(_ label: String, includingAutoCreated: Bool) throws -> Match? {
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

    private static func list(_ tables: [String]) -> String {
        tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
    }

    /// Everything a label could have been, for "did you mean".
    public var labelCandidates: [String] { appLabels + models.map(\.label) + tables }
}
