/// The evidence a sync saved in a cache for one database, under a key
/// only cachalot uses (`cachalot-sync:<sha1 of the alias>`; django-cachalot's
/// own keys are 40 hex digits), as a
/// dict the cache's serializer stores like any other value:
/// `{"format": 1, "epoch": str, "tables": {table: token}}`.
public struct SyncState: Equatable {
    public var epoch: String
    public var tokens: [String: String]

    static let format = 1

    /// Hex like every key cachalot makes, so that no alias can break a
    /// backend's key rules (memcached: no whitespace, 250 bytes).
    public static func key(database alias: String) -> String { "cachalot-sync:" + Hashing.sha1Hex(alias) }

    public init(_ evidence: ChangeEvidence) {
        epoch = evidence.epoch
        tokens = evidence.tokens
    }

    /// A value this version wrote; anything else is no state (a first run).
    public init?(value: PickleValue) {
        guard case .dict(let entries) = value else { return nil }
        var fields: [String: PickleValue] = [:]
        for entry in entries {
            guard case .string(let name) = entry.key else { return nil }
            fields[name] = entry.value
        }
        guard case .int(Self.format)? = fields["format"], case .string(let epoch)? = fields["epoch"],
              case .dict(let tables)? = fields["tables"] else { return nil }
        var tokens: [String: String] = [:]
        for table in tables {
            guard case .string(let name) = table.key, case .string(let token) = table.value else { return nil }
            tokens[name] = token
        }
        self.epoch = epoch
        self.tokens = tokens
    }

    public var value: PickleValue {
        .dict([
            PickleDictEntry(key: .string("format"), value: .int(Self.format)),
            PickleDictEntry(key: .string("epoch"), value: .string(epoch)),
            PickleDictEntry(key: .string("tables"), value: .dict(tokens.keys.sorted().map {
                PickleDictEntry(key: .string($0), value: .string(tokens[$0]!))
            })),
        ])
    }

    /// The tables to invalidate, in `tables`' order: every one without
    /// saved evidence or with restarted evidence; else those whose token is
    /// missing now (no evidence: never trusted) or differs from the saved one.
    public static func changes(from previous: SyncState?, to found: ChangeEvidence,
                               tables: [String]) -> (SyncReport.Reason, [String]) {
        guard let previous else { return (.firstRun, tables) }
        guard previous.epoch == found.epoch else { return (.evidenceRestarted, tables) }
        return (.evidence, tables.filter { table in
            guard let now = found.tokens[table], let before = previous.tokens[table] else { return true }
            return now != before
        })
    }
}
