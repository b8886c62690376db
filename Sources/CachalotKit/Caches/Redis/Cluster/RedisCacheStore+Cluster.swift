import Glibc

/// django-valkey's cluster backend: every key on the primary that owns its
/// hash slot. Commands for one slot travel together (a script's keys must
/// share a slot), the slots of one node in one pipeline. A redirection
/// (MOVED, ASK), a slot without a primary, or a node that fails sends the
/// slot's commands again on a freshly read map until the exchange timeout
/// (`--timeout`); what is still unanswered then is named in the failure.
extension RedisCacheStore {
    /// One slot's commands.
    struct SlotCommands {
        var slot: Int
        var keys: [String]
        var commands: [[[UInt8]]]
    }

    /// Each unit's replies (nil where it was not answered by the
    /// deadline), and why those were not; with `durable`, the nodes whose
    /// replicas did not acknowledge the writes.
    struct RoutedReplies {
        var replies: [[RedisReply]?]
        var failure: CachalotError?
        var unreplicated: [String] = []
    }

    /// Keys grouped by hash slot, in slot order.
    static func bySlot(_ keys: [String]) -> [(slot: Int, keys: [String])] {
        let groups = Dictionary(grouping: keys, by: RedisClusterSlot.of)
        return groups.keys.sorted().map { ($0, groups[$0]!) }
    }

    func readClusterMap() throws -> RedisClusterMap {
        if !clusterMap.isRead { try refreshClusterMap() }
        return clusterMap
    }

    func clusterOwner(ofSlot slot: Int) throws -> Int {
        guard let owner = try readClusterMap().owner(ofSlot: slot) else {
            throw CachalotError.runtime("the cluster has no primary for hash slot \(slot) (CLUSTER SLOTS); it is down or being resharded")
        }
        return owner
    }

    /// Reads CLUSTER SLOTS from the first node that answers: the primaries,
    /// then every other node seen, the LOCATION entries among them.
    func refreshClusterMap() throws {
        var problems: [String] = []
        for node in clusterMap.askingOrder {
            do {
                let reply = try replies([[Array("CLUSTER".utf8), Array("SLOTS".utf8)]], on: node)[0]
                if case .error(let message) = reply { throw Self.explain(message) }
                try clusterMap.update(slots: reply, asked: try endpoint(node))
                return
            } catch let failure as RedisConnection.Failure where !failure.needsAuthentication {
                problems.append("\(named(node)): \(failure.description)")
            } catch let unreadable as RedisClusterMap.Unreadable {
                problems.append("\(named(node)): \(unreadable.reason)")
            }
        }
        throw CachalotError.runtime("no node of the cluster said which node holds which keys: " + problems.prefix(3).joined(separator: "; "),
                                    hint: "LOCATION must name nodes of a running Redis Cluster (cluster-enabled yes)")
    }

    /// Sends each unit to the primary owning its slot (after ASK, to the
    /// node named, behind ASKING), each node's units in one pipeline after
    /// `preamble`. Error replies other than redirections are the caller's.
    /// `durable`: the pipeline ends with WAIT for one replica where the
    /// node has any, so that a write a failover would lose (replication is
    /// asynchronous) is reported rather than taken as done.
    func routed(_ units: [SlotCommands], preamble: [[[UInt8]]] = [], durable: Bool = false, replyLimit: Int) throws -> RoutedReplies {
        var result = RoutedReplies(replies: Array(repeating: nil, count: units.count))
        var asking: [Int: Int] = [:]
        var problems: [Int: String] = [:]
        var pending = Array(units.indices)
        let deadline = Deadline.after(options.timeouts.exchange)
        _ = try readClusterMap()
        while true {
            var refresh = false, pause = false
            var byNode: [Int: [Int]] = [:]
            var unplaced: [Int] = []
            for unit in pending {
                if let node = asking[unit] ?? clusterMap.owner(ofSlot: units[unit].slot) {
                    byNode[node, default: []].append(unit)
                } else {
                    problems[unit] = "hash slot \(units[unit].slot) has no primary"
                    unplaced.append(unit)
                    refresh = true
                    pause = true
                }
            }
            var next = unplaced
            for (node, members) in byNode.sorted(by: { $0.key < $1.key }) {
                var commands = preamble
                for unit in members {
                    if asking[unit] != nil { commands.append([Array("ASKING".utf8)]) }
                    commands += units[unit].commands
                }
                let waits = durable && clusterMap.replicaCounts[node, default: 0] > 0
                if waits {
                    let milliseconds = max(1, Int(deadline.remaining * 1000))
                    commands.append([Array("WAIT".utf8), Array("1".utf8), Array(String(milliseconds).utf8)])
                }
                let got: [RedisReply]
                do {
                    got = try replies(commands, on: node, replyLimit: replyLimit)
                } catch let failure as RedisConnection.Failure where !failure.needsAuthentication {
                    for unit in members {
                        problems[unit] = "\(named(node)): \(failure.description)"
                        asking[unit] = nil
                    }
                    next += members
                    refresh = true
                    pause = true
                    continue
                }
                for case .error(let message) in got.prefix(preamble.count) { throw Self.explain(message) }
                if waits, case .integer(let acknowledged)? = got.last, acknowledged < 1 { result.unreplicated.append(named(node)) }
                var cursor = preamble.count
                for unit in members {
                    if asking.removeValue(forKey: unit) != nil { cursor += 1 }
                    let mine = Array(got[cursor..<cursor + units[unit].commands.count])
                    cursor += units[unit].commands.count
                    guard let redirection = mine.lazy.compactMap({ RedisRedirection($0) }).first else {
                        result.replies[unit] = mine
                        continue
                    }
                    problems[unit] = "\(named(node)): \(redirection.message)"
                    next.append(unit)
                    switch redirection.kind {
                    case .moved: refresh = true
                    case .ask(let host, let port):
                        let askedHost = host.isEmpty ? (try? endpoint(node)).flatMap { if case .tcp(let known, _) = $0.address { known } else { nil } } ?? host : host
                        asking[unit] = clusterMap.node(host: askedHost, port: port)
                    case .later:
                        refresh = true
                        pause = true
                    }
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
            if refresh { try? refreshClusterMap() }
        }
    }

    /// Every unit answered, else the failure: for reads and plain writes.
    func routedAll(_ units: [SlotCommands], replyLimit: Int) throws -> [[RedisReply]] {
        let routed = try routed(units, replyLimit: replyLimit)
        if let failure = routed.failure { throw failure }
        let replies = routed.replies.map { $0! }
        for case .error(let message) in replies.joined() { throw Self.explain(message) }
        return replies
    }

    /// Stamps table keys slot by slot: a stamp script per slot (by
    /// EVALSHA after one SCRIPT LOAD per node and pipeline), then the
    /// compare-and-sets it left, routed the same way. Keys of slots that
    /// got no answer by the deadline are named as not written.
    func stampCluster(_ keys: [String], at now: Double, timeout: Double?) throws -> StampOutcome {
        var write = try StampWrite(self, now: now, timeout: timeout)
        write.bySHA = true
        var outcome = StampOutcome()
        var pending = keys
        var unreplicated: [String] = []
        func failed(_ error: CachalotError) -> PartialStampFailure {
            outcome.written = outcome.written.uniqued()
            outcome.created = outcome.created.uniqued()
            return PartialStampFailure(outcome: outcome, error: error)
        }
        for _ in 0..<Self.stampAttempts where !pending.isEmpty {
            let slots = Self.bySlot(pending)
            let stamped = try routed(slots.map { SlotCommands(slot: $0.slot, keys: $0.keys, commands: [write.stampCommand($0.keys)]) },
                                     preamble: [Self.scriptLoad(RedisScripts.stamp)], durable: true, replyLimit: write.replyLimit(pending.count))
            var toSet: [(slot: Int, pending: [PendingSet])] = []
            for (slot, replies) in zip(slots, stamped.replies) {
                guard let reply = replies?[0] else { continue }
                if case .error(let message) = reply { throw failed(Self.explain(message)) }
                let verdict = try readStampReply(reply, now: now)
                outcome.merge(verdict.outcome)
                if let error = verdict.error { throw failed(Self.explain(error)) }
                if !verdict.toSet.isEmpty { toSet.append((slot.slot, verdict.toSet)) }
            }
            if let failure = stamped.failure { throw failed(failure) }
            unreplicated += stamped.unreplicated
            guard !toSet.isEmpty else { pending = []; break }
            let set = try routed(toSet.map { SlotCommands(slot: $0.slot, keys: $0.pending.map(\.key), commands: [write.compareAndSetCommand($0.pending)]) },
                                 preamble: [Self.scriptLoad(RedisScripts.compareAndSet)], durable: true, replyLimit: write.replyLimit(pending.count))
            pending = []
            for (unit, replies) in zip(toSet, set.replies) {
                guard let reply = replies?[0] else { continue }
                if case .error(let message) = reply { throw failed(Self.explain(message)) }
                let result = try readCompareAndSetReply(reply)
                outcome.written += result.written
                if let error = result.error { throw failed(Self.explain(error)) }
                pending += StampVerdict(toSet: unit.pending).changedMeanwhile(setting: result.written)
            }
            if let failure = set.failure { throw failed(failure) }
            unreplicated += set.unreplicated
            for key in pending { outcome.replacedUnreadable[key] = nil }
        }
        guard pending.isEmpty else {
            throw failed(.runtime("\(pending.count) table keys kept changing under \(Self.stampAttempts) attempts"))
        }
        if !unreplicated.isEmpty {
            throw failed(.runtime("no replica of \(unreplicated.uniqued().joined(separator: ", ")) acknowledged the stamps within \(PythonFloatRepr.repr(options.timeouts.exchange)) s (WAIT): the site reads them now, but a failover before they reach a replica would lose them",
                                  hint: "check the replicas' link (INFO replication), then run the invalidation again"))
        }
        outcome.written = outcome.written.uniqued()
        outcome.created = outcome.created.uniqued()
        return outcome
    }

    static func scriptLoad(_ source: String) -> [[UInt8]] {
        [Array("SCRIPT".utf8), Array("LOAD".utf8), Array(source.utf8)]
    }
}

/// An error reply that means "ask another node, or again later".
struct RedisRedirection {
    enum Kind {
        /// The slot has a new owner: read the map again.
        case moved
        /// The slot is being migrated: this once, ask that node.
        case ask(host: String, port: Int)
        /// TRYAGAIN, CLUSTERDOWN, LOADING: the cluster is settling.
        case later
    }
    var kind: Kind
    var message: String

    init?(_ reply: RedisReply) {
        guard case .error(let message) = reply else { return nil }
        self.message = message
        let words = message.split(separator: " ")
        switch words.first {
        case "MOVED": kind = .moved
        case "ASK":
            guard words.count >= 3, let colon = words[2].lastIndex(of: ":"), let port = Int(words[2][words[2].index(after: colon)...]) else { return nil }
            kind = .ask(host: String(words[2][..<colon]), port: port)
        case "TRYAGAIN", "CLUSTERDOWN", "LOADING": kind = .later
        default: return nil
        }
    }
}
