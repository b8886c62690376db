/// A Redis Cluster as cachalot last read it (CLUSTER SLOTS): which primary
/// owns each hash slot. Every node seen keeps one number for the run — the
/// store's server number — so a connection outlives a refresh of the map.
/// Every node, the other LOCATION entries included, is reached as the first
/// LOCATION is (its login and TLS settings): the site's writes go through
/// the ValkeyCluster client of that entry, which reaches every node with
/// the keywords of its URL.
struct RedisClusterMap {
    private let template: RedisEndpoint
    private(set) var nodes: [RedisEndpoint] = []
    /// Slot → node number; nil for a slot no primary serves. Empty until
    /// the map is read: every Redis store holds a map, and 16,384 slots
    /// (256 KiB, 64 pages to fault in) cost a plain Redis invalidation ~5 %.
    private var owners: [Int?] = []
    /// The primaries that own at least one slot, in node order.
    private(set) var primaries: [Int] = []
    /// How many replicas CLUSTER SLOTS lists for each primary, with a
    /// known address or not (it leaves out those the cluster marked failed).
    private(set) var replicaCounts: [Int: Int] = [:]
    /// The nodes the last CLUSTER SLOTS named (primaries, and replicas
    /// with an address): members of the cluster it was read from.
    private(set) var listed: Set<Int> = []
    /// Whether the map was read at all.
    private(set) var isRead = false

    /// The seeds (LOCATION's entries) are the first nodes.
    init(seeds: [RedisEndpoint]) {
        template = seeds[0]
        for seed in seeds {
            if case .tcp(let host, let port) = seed.address { _ = node(host: host, port: port) }
        }
    }

    struct Unreadable: Error { var reason: String }

    /// The node number of an address, adding it when it is new.
    mutating func node(host: String, port: Int) -> Int {
        let address = NetworkAddress.tcp(host: host, port: port)
        if let known = nodes.firstIndex(where: { $0.address == address }) { return known }
        var endpoint = template
        endpoint.address = address
        nodes.append(endpoint)
        return nodes.count - 1
    }

    func owner(ofSlot slot: Int) -> Int? { owners.indices.contains(slot) ? owners[slot] : nil }

    /// Replaces the map with a CLUSTER SLOTS reply from `asked`: ranges of
    /// slots, each with its primary first, then its replicas, each node as
    /// [host, port, id, …]. An empty or null host means the node asked;
    /// "?" an unknown one, which no client can reach.
    mutating func update(slots reply: RedisReply, asked: RedisEndpoint) throws {
        guard case .array(let ranges) = reply else { throw Unreadable(reason: "CLUSTER SLOTS did not answer with a list") }
        var owners = [Int?](repeating: nil, count: RedisClusterSlot.count)
        var primaries = Set<Int>(), listed = Set<Int>()
        var replicaCounts: [Int: Int] = [:]
        for range in ranges {
            guard case .array(let fields) = range, fields.count >= 3,
                  case .integer(let first) = fields[0], case .integer(let last) = fields[1],
                  0 <= first, first <= last, last < RedisClusterSlot.count,
                  case .array(let primary) = fields[2], primary.count >= 2,
                  case .integer(let port) = primary[1], (1...65535).contains(port) else {
                throw Unreadable(reason: "CLUSTER SLOTS sent a range cachalot cannot read: \(String(describing: range).prefix(120))")
            }
            var host = primary[0].bytes.map { String(decoding: $0, as: UTF8.self) } ?? ""
            guard host != "?" else {
                throw Unreadable(reason: "CLUSTER SLOTS does not know where the primary of slots \(first)-\(last) is (\"?\"; cluster-preferred-endpoint-type names an endpoint it lacks)")
            }
            if host.isEmpty, case .tcp(let askedHost, _) = asked.address { host = askedHost }
            let owner = node(host: host, port: port)
            primaries.insert(owner)
            for slot in first...last { owners[slot] = owner }
            var replicas = 0
            for case .array(let replica) in fields.dropFirst(3) where replica.count >= 2 {
                replicas += 1
                // Learnt for asking the map; a replica without a usable address is still counted.
                if let replicaHost = replica[0].bytes, case .integer(let replicaPort) = replica[1],
                   !replicaHost.isEmpty, replicaHost != Array("?".utf8), (1...65535).contains(replicaPort) {
                    listed.insert(node(host: String(decoding: replicaHost, as: UTF8.self), port: replicaPort))
                }
            }
            replicaCounts[owner] = max(replicaCounts[owner] ?? 0, replicas)
        }
        guard !primaries.isEmpty else { throw Unreadable(reason: "CLUSTER SLOTS names no primary: the node is not part of a cluster with slots") }
        self.owners = owners
        self.primaries = primaries.sorted()
        self.listed = listed.union(primaries)
        self.replicaCounts = replicaCounts
        isRead = true
    }

    /// Where to ask for the map next: the primaries, then every other node
    /// seen, the seeds among them.
    var askingOrder: [Int] { primaries + nodes.indices.filter { !primaries.contains($0) } }
}
