/// A Redis Cluster as cachalot last read it (CLUSTER SLOTS): which primary
/// owns each hash slot. Every node seen keeps one number for the run — the
/// store's server number — so a connection outlives a refresh of the map.
/// Discovered nodes are reached as the first LOCATION is (its login and
/// TLS settings), as valkey-py's ValkeyCluster reaches them with the
/// keywords of the URL it was given.
struct RedisClusterMap {
    private let template: RedisEndpoint
    private(set) var nodes: [RedisEndpoint] = []
    /// Slot → node number; nil for a slot no primary serves.
    private var owners = [Int?](repeating: nil, count: RedisClusterSlot.count)
    /// The primaries that own at least one slot, in node order.
    private(set) var primaries: [Int] = []
    /// How many replicas CLUSTER SLOTS lists for each primary (it leaves
    /// out those the cluster marked failed).
    private(set) var replicaCounts: [Int: Int] = [:]
    /// Whether the map was read at all.
    private(set) var isRead = false

    /// The seeds (LOCATION's entries) are the first nodes, reached as written.
    init(seeds: [RedisEndpoint]) {
        template = seeds[0]
        for seed in seeds where !nodes.contains(where: { $0.address == seed.address }) { nodes.append(seed) }
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

    func owner(ofSlot slot: Int) -> Int? { owners[slot] }

    /// Replaces the map with a CLUSTER SLOTS reply from `asked`: ranges of
    /// slots, each with its primary first, then its replicas, each node as
    /// [host, port, id, …]. An empty host (or "?") means the node asked.
    mutating func update(slots reply: RedisReply, asked: RedisEndpoint) throws {
        guard case .array(let ranges) = reply else { throw Unreadable(reason: "CLUSTER SLOTS did not answer with a list") }
        var owners = [Int?](repeating: nil, count: RedisClusterSlot.count)
        var primaries = Set<Int>()
        var replicaCounts: [Int: Int] = [:]
        for range in ranges {
            guard case .array(let fields) = range, fields.count >= 3,
                  case .integer(let first) = fields[0], case .integer(let last) = fields[1],
                  0 <= first, first <= last, last < RedisClusterSlot.count,
                  case .array(let primary) = fields[2], primary.count >= 2,
                  let hostBytes = primary[0].bytes, case .integer(let port) = primary[1], (1...65535).contains(port) else {
                throw Unreadable(reason: "CLUSTER SLOTS sent a range cachalot cannot read: \(String(describing: range).prefix(120))")
            }
            var host = String(decoding: hostBytes, as: UTF8.self)
            if host.isEmpty || host == "?", case .tcp(let askedHost, _) = asked.address { host = askedHost }
            let owner = node(host: host, port: port)
            primaries.insert(owner)
            for slot in first...last { owners[slot] = owner }
            var replicas = 0
            for case .array(let replica) in fields.dropFirst(3) where replica.count >= 2 {
                if let replicaHost = replica[0].bytes, case .integer(let replicaPort) = replica[1],
                   !replicaHost.isEmpty, (1...65535).contains(replicaPort) {
                    _ = node(host: String(decoding: replicaHost, as: UTF8.self), port: replicaPort)
                    replicas += 1
                }
            }
            replicaCounts[owner] = max(replicaCounts[owner] ?? 0, replicas)
        }
        guard !primaries.isEmpty else { throw Unreadable(reason: "CLUSTER SLOTS names no primary: the node is not part of a cluster with slots") }
        self.owners = owners
        self.primaries = primaries.sorted()
        self.replicaCounts = replicaCounts
        isRead = true
    }

    /// Where to ask for the map next: the primaries, then every other node
    /// seen, the seeds among them.
    var askingOrder: [Int] { primaries + nodes.indices.filter { !primaries.contains($0) } }
}
