/// What `query` learned from the database about one statement, kept in the
/// cache beside its entries so that the next hit opens no database: the
/// tables the statement reads, its columns and placeholders, and the stamp
/// each of those tables held when it was learned.
///
/// It holds while every one of those tables still holds that stamp. A
/// schema change made through Django invalidates the tables its SQL names
/// (django-cachalot's raw-SQL rule: a migration's ALTER, a view's CREATE),
/// and one made outside Django is followed by `cachalot invalidate`, as the
/// site's own entries need; either changes a stamp, and the next call asks
/// the database again. It is stored under a key Django never computes
/// (QueryKey.analysisKey), in the serializer's shape: a tuple, or a list
/// where the serializer has no tuples (docs/FORMATS.md, "Query keys").
struct RememberedAnalysis: Equatable {
    /// The shape's name and version: anything else under the key is ignored.
    static let marker = "cachalot-analysis-1"

    var readTables: [String]
    var qualifiedReadTables: [String]
    var columns: [String]
    var parameterCount: Int
    /// Each table the hit rule reads (after MODELS and
    /// CACHALOT_ADDITIONAL_TABLES), with the stamp it held.
    var stamps: [String: Double]

    /// Only an analysis that can be cached is remembered: a read whose
    /// tables the engine is sure of, every one of them a table the database
    /// lists (`tables`: introspection, views and partitions left out), and
    /// nothing else read (`readsBeyondTables`: SQLite names a view's base
    /// tables only). A view can be defined again without a word about the
    /// tables it read, so no stamp of theirs would change; a statement
    /// through one asks the database every time.
    init?(_ analysis: StatementAnalysis, stamps: [String: Double], tables: [String]) {
        guard analysis.isReadOnly, analysis.tablesCertain, analysis.uncachableReason == nil,
              analysis.writtenTables.isEmpty, !analysis.readsBeyondTables,
              Set(analysis.readTables).isSubset(of: tables) else { return nil }
        readTables = analysis.readTables
        qualifiedReadTables = analysis.qualifiedReadTables
        columns = analysis.columns
        parameterCount = analysis.parameterCount
        self.stamps = stamps
    }

    init?(_ value: PickleValue?) {
        guard let items = QueryOperation.items(value), items.count == 6, case .string(Self.marker) = items[0],
              let readTables = Self.strings(items[1]), let qualified = Self.strings(items[2]),
              let columns = Self.strings(items[3]), case .int(let parameterCount) = items[4],
              let pairs = QueryOperation.items(items[5]) else { return nil }
        var stamps: [String: Double] = [:]
        for pair in pairs {
            guard let entry = QueryOperation.items(pair), entry.count == 2, case .string(let table) = entry[0],
                  let stamp = entry[1].number else { return nil }
            stamps[table] = stamp
        }
        self.readTables = readTables
        qualifiedReadTables = qualified
        self.columns = columns
        self.parameterCount = parameterCount
        self.stamps = stamps
    }

    var value: PickleValue {
        .tuple([.string(Self.marker), .list(readTables.map(PickleValue.string)), .list(qualifiedReadTables.map(PickleValue.string)),
                .list(columns.map(PickleValue.string)), .int(parameterCount),
                .list(stamps.sorted { $0.key < $1.key }.map { .tuple([.string($0.key), .float($0.value)]) })])
    }

    /// The analysis as the database gave it.
    var analysis: StatementAnalysis {
        var analysis = StatementAnalysis(readTables: readTables, writtenTables: [], columns: columns, isReadOnly: true,
                                         parameterCount: parameterCount)
        analysis.qualifiedReadTables = qualifiedReadTables
        return analysis
    }

    /// True when every table of `tables` was remembered and holds the same
    /// stamp now (`current`: table → stamp, nil where its key is missing).
    func holds(for tables: [String], current: [String: Double?]) -> Bool {
        tables.allSatisfy { table in
            guard let then = stamps[table], let now = current[table] ?? nil else { return false }
            return then == now
        }
    }

    private static func strings(_ value: PickleValue) -> [String]? {
        guard let items = QueryOperation.items(value) else { return nil }
        let strings = items.compactMap { item -> String? in if case .string(let text) = item { return text } else { return nil } }
        return strings.count == items.count ? strings : nil
    }
}
