/// What `EXPLAIN (FORMAT JSON, VERBOSE)` says a statement touches: every
/// relation scanned anywhere in the plan (joins, subqueries, InitPlans,
/// CTEs, partitions; views show as their base tables), the relations a
/// ModifyTable node writes, and whether it locks rows (FOR UPDATE/SHARE).
struct PostgreSQLPlan {
    struct Relation: Hashable {
        var schema: String
        var name: String
    }

    var reads: [Relation] = []
    var writes: [Relation] = []
    var locksRows = false
    /// Every text of the plan: its expressions (Output, Filter, Function
    /// Call, Sort Key…) as the server deparses them, for PostgreSQLCalls.
    var texts: [String] = []

    /// Reads the single `QUERY PLAN` json value.
    init(json text: String) throws {
        let tree: JSONTree
        do {
            tree = try JSONReader.read(text, maximumDepth: 2 * PickleReader.maximumDepth, bigIntegers: true)
        } catch let failure as JSONReader.Failure {
            throw PostgreSQLValueDecoder.Failure(description: "unreadable EXPLAIN output (\(failure.reason))")
        }
        guard case .array(let plans) = tree else {
            throw PostgreSQLValueDecoder.Failure(description: "unexpected EXPLAIN output")
        }
        // Walk with an explicit stack: a plan's depth follows the query's.
        var pending: [JSONTree] = plans
        while let node = pending.popLast() {
            guard case .object(let members) = node else { continue }
            func text(_ key: String) -> String? {
                members.first { $0.key == key }.flatMap { if case .string(let value) = $0.value { value } else { nil } }
            }
            if let name = text("Relation Name") {
                let relation = Relation(schema: text("Schema") ?? "", name: name)
                if text("Node Type") == "ModifyTable" { writes.append(relation) } else { reads.append(relation) }
            }
            if text("Node Type") == "LockRows" { locksRows = true }
            for member in members {
                switch member.value {
                case .string(let value): texts.append(value)
                case .array(let items) where member.key != "Plans": texts += items.compactMap { if case .string(let value) = $0 { value } else { nil } }
                default: break
                }
            }
            for member in members where member.key == "Plan" || member.key == "Plans" {
                switch member.value {
                case .array(let children): pending += children
                case let child: pending.append(child)
                }
            }
        }
        reads = reads.uniqued()
        writes = writes.uniqued()
    }
}
