import CachalotKit

/// Failed caches and databases, the one place they become text.
enum FailureOutput {
    /// One "cachalot: error: cache 'x' (…): …" line each, on stderr.
    static func report(_ failures: [TargetFailure]) {
        for failure in failures { Console.error(failure) }
    }

    /// `failed_databases` and `failed_caches` members of a JSON report.
    static func jsonMembers(_ failures: [TargetFailure]) -> [(String, JSONValue)] {
        [("failed_databases", json(failures, kind: .database)), ("failed_caches", json(failures, kind: .cache))]
    }

    /// The failures of one kind: `{"cache": alias, "error": message}` each.
    static func json(_ failures: [TargetFailure], kind: Target.Kind) -> JSONValue {
        .array(failures.filter { $0.target.kind == kind }.map { failure in
            .object([(kind.rawValue, .string(failure.target.alias)), ("error", .string(failure.description))])
        })
    }

    static func skippedJSON(_ skipped: [SkippedCache]) -> JSONValue {
        .array(skipped.map { .object([("cache", .string($0.alias)), ("reason", .string($0.reason))]) })
    }
}
