import Glibc

/// django-valkey's cluster backend: every key on the primary that owns its
/// hash slot. Commands for one slot travel together (a script's keys must
/// share a slot), the slots of one node in one pipeline. A redirection
/// (MOVED, ASK), a slot without a primary, a node still loading or failed,
/// sends the slot's commands again on a freshly read map until the
/// `--timeout` deadline; what is unanswered then is named in the failure.
extension RedisCacheStore {
    /// One slot's commands.
    struct SlotCommands {
        var slot: Int
        var keys: [String]
        var commands: [[[UInt8]]]
    }

    /// Each unit's replies (nil where it was not answered by the
    /// deadline), why those were not, and the nodes whose replicas did not
    /// acknowledge the writes when asked to (WAIT).
    struct RoutedReplies {
        var replies: [[RedisReply]?]
        var failure: CachalotError?
        var unreplicated: [String] = []
    }

    /// Where a unit goes next when a reply named a node: MOVED's new owner
    /// (ahead of the map that will say so), or ASK's, behind ASKING.
    private struct Detour {
        var node: Int
        var asking: Bool
    }

    /// Keys grouped by hash slot, in slot order.
    static func bySlot(_ keys: [String]) -> [(slot: Int, keys: [String])] {
        let groups = Dictionary(grouping: keys, by: RedisClusterSlot.of)
        return groups.keys.sorted().map { ($0, groups[$0]!) }
    }

    /// The map, read from the cluster the first time it is needed (and
    /// then LOCATION checked to name one cluster).
    @discardableResult
    func readClusterMap() throws -> RedisClusterMap {
        if !clusterMap.isRead {
            try refreshClusterMap()
            try checkLocationsShareOneCluster()
        }
        return clusterMap
    }

    /// django-valkey reads through LOCATION's other entries (a random one,
    /// each its own ValkeyCluster client), writes through the first: each
    /// must be a node of the first one's cluster, or the site reads keys
    /// cachalot never writes. When the map names the first entry, every
    /// entry it names is of that cluster already. Of the others, asked: a
    /// node lists every node of its cluster in CLUSTER NODES, failed ones
    /// included, so the first entry's ID must be among each other entry's.
    /// An entry that does not answer is not judged (the site cannot read
    /// through it either).
    func checkLocationsShareOneCluster() throws {
        let seeds = options.endpoints.map { endpoint -> Int? in
            guard case .tcp(let host, let port) = endpoint.address else { return nil }
            return clusterMap.node(host: host, port: port)
        }
        guard seeds.count > 1, let first = seeds[0] else { return }
        let unproven = seeds.enumerated().dropFirst().filter { _, seed in
            guard let seed else { return false }
            return seed != first && !(clusterMap.listed.contains(first) && clusterMap.listed.contains(seed))
        }
        guard !unproven.isEmpty,
              let id = (try? replies([[Array("CLUSTER".utf8), Array("MYID".utf8)]], on: first))?.first?.bytes else { return }
        let line = Array(id) + [UInt8(ascii: " ")]
        for (position, seed) in unproven {
            guard let seed, let reply = (try? replies([[Array("CLUSTER".utf8), Array("NODES".utf8)]], on: seed))?.first else { continue }
            let nodes = reply.bytes ?? []
            if nodes.split(separator: UInt8(ascii: "\n")).contains(where: { $0.starts(with: line) }) { continue }
            throw CachalotError.runtime("LOCATION's entry \(position + 1) (\(named(seed))) is not a node of the cluster of entry 1 (\(named(first))): "
                                        + (reply.errorMessage.map { "it answers \($0)" } ?? "it does not know that node")
                                        + "; the site reads through it, so it would read keys cachalot never writes",
                                        hint: "LOCATION must list nodes of one cluster")
        }
    }

    func clusterOwner(ofSlot slot: Int) throws -> Int {
        guard let owner = try readClusterMap().owner(ofSlot: slot) else {
            throw CachalotError.runtime("the cluster has no primary for hash slot \(slot) (CLUSTER SLOTS); it is down or being resharded")
        }
        return owner
    }

    /// Reads CLUSTER SLOTS from the first node that answers it: the
    /// primaries, then every other node seen, the LOCATION entries among
    /// them, until `deadline`. A refused login (or a password missing) is
    /// not another node's problem: it stops here.
    func refreshClusterMap(until deadline: Deadline? = nil) throws {
        var problems: [String] = []
        for node in clusterMap.askingOrder where deadline?.hasPassed != true {
            do {
                let reply = try replies([[Array("CLUSTER".utf8), Array("SLOTS".utf8)]], on: node)[0]
                if case .error(let message) = reply {
                    if ["NOAUTH", "WRONGPASS", "NOPERM"].contains(where: message.hasPrefix) { throw Self.explain(message) }
                    problems.append("\(named(node)): \(message)")
                    continue
                }
                try clusterMap.update(slots: reply, asked: try endpoint(node))
                return
            } catch let failure as RedisConnection.Failure where failure.isRetryable {
                problems.append("\(named(node)): \(failure.description)")
            } catch let failure as RedisConnection.Failure {
                throw Self.error(failure)
            } catch let unreadable as RedisClusterMap.Unreadable {
                problems.append("\(named(node)): \(unreadable.reason)")
            }
        }
        throw CachalotError.runtime("no node of the cluster said which node holds which keys: " + problems.prefix(3).joined(separator: "; "),
                                    hint: "LOCATION must name nodes of a running Redis Cluster (cluster-enabled yes)")
    }

    /// Sends each unit to the primary owning its slot (or where a
    /// redirection said), each node's units in one pipeline after
    /// `preamble`. Error replies other than redirections are the caller's.
    /// `awaiting(node)`: how many replicas must acknowledge the node's
    /// writes (WAIT, at the end of its pipeline); replication is
    /// asynchronous, and a write a failover would lose must not count as done.
    func routed(_ units: [SlotCommands], preamble: [[[UInt8]]] = [], awaiting: ((Int) -> Int)? = nil,
                until deadline: Deadline, replyLimit: Int) throws -> RoutedReplies {
        var result = RoutedReplies(replies: Array(repeating: nil, count: units.count))
        var detours: [Int: Detour] = [:]
        var problems: [Int: String] = [:]
        // Redirections in a row per unit: from the second on, pause (two
        // nodes sending a slot to each other must not become a busy loop).
        var redirections: [Int: Int] = [:]
        var pending = Array(units.indices)
        try readClusterMap()
        while true {
            var refresh = false, pause = false
            var byNode: [Int: [Int]] = [:]
            var next: [Int] = []
            for unit in pending {
                if let node = detours[unit]?.node ?? clusterMap.owner(ofSlot: units[unit].slot) {
                    byNode[node, default: []].append(unit)
                } else {
                    problems[unit] = "hash slot \(units[unit].slot) has no primary"
                    next.append(unit)
                    refresh = true
                    pause = true
                }
            }
            for (node, members) in byNode.sorted(by: { $0.key < $1.key }) {
                let asking = Set(members.filter { detours[$0]?.asking == true })
                let replicas = awaiting?(node) ?? 0
                let got: [RedisReply]
                do {
                    got = try replies(pipeline(for: members, of: units, asking: asking, after: preamble, waitingFor: replicas, until: deadline),
                                      on: node, replyLimit: replyLimit)
                } catch let failure as RedisConnection.Failure where failure.isRetryable {
                    for unit in members {
                        problems[unit] = "\(named(node)): \(failure.description)"
                        detours[unit] = nil
                    }
                    next += members
                    refresh = true
                    pause = true
                    continue
                } catch let failure as RedisConnection.Failure {
                    // What other nodes answered stays reported.
                    result.failure = Self.error(failure)
                    return result
                }
                if let refused = got.prefix(preamble.count).first(where: { $0.errorMessage != nil }) {
                    guard let redirection = RedisRedirection(refused), case .later = redirection.kind else {
                        result.failure = Self.explain(refused.errorMessage!)
                        return result
                    }
                    for unit in members { problems[unit] = "\(named(node)): \(redirection.message)" }
                    next += members
                    pause = true
                    continue
                }
                var wrote = false
                for (unit, mine) in zip(members, Self.split(got, members: members, of: units, asking: asking, after: preamble.count)) {
                    detours[unit] = nil
                    guard let redirection = mine.lazy.compactMap({ RedisRedirection($0) }).first else {
                        wrote = wrote || mine.contains { $0.errorMessage == nil }
                        result.replies[unit] = mine
                        redirections[unit] = nil
                        continue
                    }
                    problems[unit] = "\(named(node)): \(redirection.message)"
                    next.append(unit)
                    redirections[unit, default: 0] += 1
                    if redirections[unit]! >= 2 { pause = true }
                    switch redirection.kind {
                    case .moved(let host, let port):
                        detours[unit] = Detour(node: clusterMap.node(host: host.isEmpty ? hostOf(node) : host, port: port), asking: false)
                        refresh = true
                    case .ask(let host, let port):
                        detours[unit] = Detour(node: clusterMap.node(host: host.isEmpty ? hostOf(node) : host, port: port), asking: true)
                    case .later:
                        refresh = true
                        pause = true
                    }
                }
                // Judged only where something was written: a node that only redirected
                // (a primary just demoted refuses WAIT) holds nothing to replicate.
                if replicas > 0, wrote, let shortfall = waitShortfall(got.last, replicas: replicas) {
                    result.unreplicated.append("\(named(node)) (\(shortfall))")
                }
            }
            pending = next
            if pending.isEmpty { return result }
            if deadline.hasPassed {
                let reasons = Set(pending.compactMap { problems[$0] }).sorted()
                let keys = pending.reduce(0) { $0 + units[$1].keys.count }
                result.failure = .runtime("\(TextFormatting.counted(keys, "key")) on \(TextFormatting.counted(pending.count, "hash slot")) got no answer within \(PythonFloatRepr.repr(options.timeouts.exchange)) s: "
                                          + reasons.prefix(3).joined(separator: "; ") + (reasons.count > 3 ? "; …" : ""),
                                          hint: "a failover takes the cluster's cluster-node-timeout and more; --timeout waits longer")
                return result
            }
            if pause { usleep(UInt32(min(100_000, deadline.remaining * 1_000_000))) }
            if refresh { try? refreshClusterMap(until: deadline) }
        }
    }

    /// One node's pipeline: the preamble, each unit's commands (ASKING lets
    /// only the next command through: one before each of an ASK'd unit),
    /// then WAIT within the deadline, and well within a socket timeout that
    /// would cut the read.
    private func pipeline(for members: [Int], of units: [SlotCommands], asking: Set<Int>, after preamble: [[[UInt8]]],
                          waitingFor replicas: Int, until deadline: Deadline) -> [[[UInt8]]] {
        var commands = preamble
        for unit in members {
            for command in units[unit].commands { commands += asking.contains(unit) ? [[Array("ASKING".utf8)], command] : [command] }
        }
        if replicas > 0 {
            let seconds = min(deadline.remaining, (options.timeouts.operation ?? .infinity) / 2)
            commands.append([Array("WAIT".utf8), Array(String(replicas).utf8), Array(String(max(1, Int(seconds * 1000))).utf8)])
        }
        return commands
    }

    /// Each member's replies out of its node's: past the preamble's, one per
    /// command, ASKING's +OK skipped (a refused ASKING, an ACL's doing, is
    /// the unit's answer: its command ran without it).
    private static func split(_ got: [RedisReply], members: [Int], of units: [SlotCommands], asking: Set<Int>, after preamble: Int) -> [[RedisReply]] {
        var cursor = preamble
        return members.map { unit in
            var mine: [RedisReply] = []
            for _ in units[unit].commands {
                if asking.contains(unit) {
                    if let refused = got[cursor].errorMessage { mine.append(.error(refused)) }
                    cursor += 1
                }
                if mine.count < units[unit].commands.count { mine.append(got[cursor]) }
                cursor += 1
            }
            return mine
        }
    }

    /// What WAIT's reply falls short of, or nil when enough replicas acknowledged.
    private func waitShortfall(_ reply: RedisReply?, replicas: Int) -> String? {
        switch reply {
        case .integer(let acknowledged)? where acknowledged >= replicas: return nil
        case .integer(let acknowledged)?: return "\(acknowledged) of \(replicas) replicas"
        case let other?: return "WAIT: \(other.errorMessage ?? "unexpected reply")"
        case nil: return nil
        }
    }

    /// The host a node was reached at: a redirection with an empty host means it.
    private func hostOf(_ node: Int) -> String {
        if case .tcp(let host, _)? = (try? endpoint(node))?.address { return host }
        return ""
    }

    /// Every unit answered, else the failure: for reads and plain writes.
    func routedAll(_ units: [SlotCommands], replyLimit: Int) throws -> [[RedisReply]] {
        let routed = try routed(units, until: .after(options.timeouts.exchange), replyLimit: replyLimit)
        if let failure = routed.failure { throw failure }
        let replies = routed.replies.map { $0! }
        for case .error(let message) in replies.joined() { throw Self.explain(message) }
        return replies
    }

    /// The replicas that must have a node's stamps: one, or all when the
    /// site reads from them, asked of the map as it stands (it is read, and
    /// may be read again, inside routed). A node the map lists no slots for
    /// (a primary a resharding is filling, reached by ASK) has replicas
    /// unknown: one is asked for, the safe side.
    private func replicasToAwait(_ node: Int) -> Int {
        guard let replicas = clusterMap.replicaCounts[node] else { return 1 }
        return options.clusterReadsFromReplicas ? replicas : min(1, replicas)
    }

    /// Stamps table keys slot by slot: a stamp script per slot (by
    /// EVALSHA after one SCRIPT LOAD per node and pipeline), then the
    /// compare-and-sets it left, routed the same way, all within one
    /// `--timeout` deadline. Each node's pipeline ends with WAIT for a
    /// replica (for every replica when the site reads from them). Keys of
    /// slots that got no answer, or whose replicas did not acknowledge
    /// them, are named as not written.
    func stampCluster(_ keys: [String], at now: Double, cachalotTimeout: Double?) throws -> StampOutcome {
        var write = try StampWrite(self, now: now, timeout: cachalotTimeout)
        write.bySHA = true
        let deadline = Deadline.after(options.timeouts.exchange)
        var outcome = StampOutcome()
        var pending = keys
        var unreplicated: [String] = []
        func settled() -> StampOutcome {
            outcome.written = outcome.written.uniqued()
            outcome.created = outcome.created.uniqued()
            return outcome
        }
        do {
            for _ in 0..<Self.stampAttempts where !pending.isEmpty {
                let slots = Self.bySlot(pending)
                let stamped = try routed(slots.map { SlotCommands(slot: $0.slot, keys: $0.keys, commands: [write.stampCommand($0.keys)]) },
                                         preamble: [RedisScripts.load(RedisScripts.stamp)], awaiting: replicasToAwait,
                                         until: deadline, replyLimit: write.replyLimit(pending.count))
                unreplicated += stamped.unreplicated
                // Every slot's verdict counts before the first error is thrown: those keys were written.
                var firstError = stamped.failure
                var toSet: [(slot: Int, pending: [PendingSet])] = []
                for (slot, replies) in zip(slots, stamped.replies) {
                    guard let reply = replies?[0] else { continue }
                    if let message = reply.errorMessage {
                        firstError = firstError ?? Self.explain(message)
                        continue
                    }
                    let verdict: StampVerdict
                    do { verdict = try readStampReply(reply, keys: slot.keys, now: now) } catch {
                        firstError = firstError ?? CachalotError(error)
                        continue
                    }
                    outcome.merge(verdict.outcome)
                    if let error = verdict.error {
                        firstError = firstError ?? Self.explain(error)
                    } else if !verdict.toSet.isEmpty {
                        toSet.append((slot.slot, verdict.toSet))
                    }
                }
                if let firstError { throw firstError }
                pending = []
                guard !toSet.isEmpty else { break }
                let set = try routed(toSet.map { SlotCommands(slot: $0.slot, keys: $0.pending.map(\.key), commands: [write.compareAndSetCommand($0.pending)]) },
                                     preamble: [RedisScripts.load(RedisScripts.compareAndSet)], awaiting: replicasToAwait,
                                     until: deadline, replyLimit: write.replyLimit(toSet.reduce(0) { $0 + $1.pending.count }))
                unreplicated += set.unreplicated
                firstError = set.failure
                for (unit, replies) in zip(toSet, set.replies) {
                    guard let reply = replies?[0] else { continue }
                    if let message = reply.errorMessage {
                        firstError = firstError ?? Self.explain(message)
                        continue
                    }
                    let result: (written: [String], error: String?)
                    do { result = try readCompareAndSetReply(reply) } catch {
                        firstError = firstError ?? CachalotError(error)
                        continue
                    }
                    outcome.written += result.written
                    if let error = result.error { firstError = firstError ?? Self.explain(error) }
                    pending += StampVerdict(toSet: unit.pending).changedMeanwhile(setting: result.written)
                }
                if let firstError { throw firstError }
                for key in pending { outcome.replacedUnreadable[key] = nil }
            }
            guard pending.isEmpty else {
                throw CachalotError.runtime("\(pending.count) table keys kept changing under \(Self.stampAttempts) attempts")
            }
            if !unreplicated.isEmpty {
                throw CachalotError.runtime("the stamps were written, but not every replica the site may read acknowledged them within the deadline (WAIT): \(unreplicated.uniqued().joined(separator: ", ")); a failover now would lose them",
                                            hint: "check the replicas' link (INFO replication), then run the invalidation again")
            }
        } catch {
            throw PartialStampFailure(outcome: settled(), error: CachalotError(error))
        }
        return settled()
    }
}

/// An error reply that means "ask another node, or again later".
struct RedisRedirection {
    enum Kind {
        /// The slot has a new owner, named: read the map again.
        case moved(host: String, port: Int)
        /// The slot is being migrated: this once, ask that node.
        case ask(host: String, port: Int)
        /// TRYAGAIN, CLUSTERDOWN, LOADING: the cluster is settling.
        case later
    }
    var kind: Kind
    var message: String

    init?(_ reply: RedisReply) {
        guard let message = reply.errorMessage else { return nil }
        self.message = message
        let words = message.split(separator: " ")
        switch words.first {
        case "MOVED", "ASK":
            // "MOVED 3999 127.0.0.1:6381"; an IPv6 host may come in brackets, an empty one means the node asked.
            guard words.count >= 3, let colon = words[2].lastIndex(of: ":"),
                  let port = Int(words[2][words[2].index(after: colon)...]), (1...65535).contains(port) else { return nil }
            var host = String(words[2][..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            kind = words.first == "MOVED" ? .moved(host: host, port: port) : .ask(host: host, port: port)
        case "TRYAGAIN", "CLUSTERDOWN", "LOADING": kind = .later
        default: return nil
        }
    }
}
