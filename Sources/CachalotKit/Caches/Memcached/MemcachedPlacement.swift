/// Which server of a pool holds a key, computed exactly as the Python
/// client computes it: a key sent elsewhere is a stamp Django never reads.
enum MemcachedPlacement {
    /// pymemcache's HashClient with RendezvousHash: the node with the
    /// highest `murmur3("<node>-<key>")` wins; a tie goes to the greater
    /// node name. `nodes` are pymemcache's node names in LOCATION order.
    case rendezvous(nodes: [String])
    /// libmemcached (pylibmc) with its distribution and hash behaviors.
    case libmemcached(LibmemcachedDistribution)

    /// Index of the server for a made key, over the servers still in play
    /// (`alive`, in pool order); nil when none is.
    func server(for key: String, among alive: [Int]) -> Int? {
        guard !alive.isEmpty else { return nil }
        switch self {
        case .rendezvous(let nodes):
            // The only candidate wins: no hashing (watch reads every key each poll).
            if alive.count == 1 { return alive[0] }
            var winner: Int?
            var high: Int64 = -1
            for index in alive {
                let score = Int64(MemcachedHashes.murmur3(pythonString: "\(nodes[index])-\(key)"))
                if score > high {
                    (high, winner) = (score, index)
                } else if score == high, let current = winner, nodes[index] > nodes[current] {
                    winner = index
                }
            }
            return winner
        case .libmemcached(let distribution):
            return distribution.server(for: Array(key.utf8))
        }
    }
}

/// libmemcached 1.1.4's server choice (src/libmemcached/hash.cc,
/// hosts.cc) for the distributions pylibmc's behaviors select.
struct LibmemcachedDistribution {
    enum Kind: Equatable {
        /// `hash % count` in pool order (pylibmc's default).
        case modula
        /// A continuum of points named "host-i" ("host:port-i" off port
        /// 11211): consistent, consistent ketama and consistent weighted.
        case ketama
        /// consistent ketama spy: points named "/host:port-i".
        case ketamaSpy
    }

    struct Server {
        var host: String
        var port: Int
        var weight: Int
    }

    let kind: Kind
    /// Unweighted: 100 points per server, each its name hashed with the
    /// key hash. Weighted: 160 per weight share, four per MD5 digest.
    let weighted: Bool
    /// The key hash (libhashkit's base hash).
    let hash: MemcachedHashes.Function
    /// In libmemcached's order: LOCATION's, or sorted by `_sort_hosts`.
    let servers: [Server]
    /// Sorted (point, server index) pairs for the continuum kinds.
    private let continuum: [(point: UInt32, server: Int)]

    init(kind: Kind, weighted: Bool, hash: MemcachedHashes.Function, servers: [Server]) {
        self.kind = kind
        self.weighted = weighted
        self.hash = hash
        self.servers = servers
        var points: [(point: UInt32, server: Int)] = []
        if kind != .modula {
            // In single precision, as libmemcached computes it.
            let total = servers.reduce(0) { $0 + $1.weight }
            for (index, server) in servers.enumerated() {
                guard weighted else {
                    for point in 0..<100 {
                        points.append((hash.hash(Array(Self.pointName(server, point, kind).utf8)), index))
                    }
                    continue
                }
                let share = Float(server.weight) / Float(max(total, 1))
                let count = Int((share * 160 / 4 * Float(servers.count) + 0.0000000001).rounded(.down)) * 4
                for digestIndex in 0..<(count / 4) {
                    let digest = MD5.hash(Array(Self.pointName(server, digestIndex, kind).utf8))
                    for alignment in 0..<4 {
                        let base = alignment * 4
                        let value = UInt32(digest[3 + base]) << 24 | UInt32(digest[2 + base]) << 16
                            | UInt32(digest[1 + base]) << 8 | UInt32(digest[base])
                        points.append((value, index))
                    }
                }
            }
        }
        continuum = points.sorted { ($0.point, $0.server) < ($1.point, $1.server) }
    }

    /// ketama: "host-j" on the default port, "host:port-j" otherwise (a
    /// unix socket has port 0); spy: always "/host:port-j".
    static func pointName(_ server: Server, _ index: Int, _ kind: Kind) -> String {
        if kind == .ketamaSpy { return "/\(server.host):\(server.port)-\(index)" }
        return server.port == 11211 ? "\(server.host)-\(index)" : "\(server.host):\(server.port)-\(index)"
    }

    func server(for key: [UInt8]) -> Int {
        guard servers.count > 1 else { return 0 }
        let value = hash.hash(key)
        switch kind {
        case .modula:
            return Int(value % UInt32(servers.count))
        case .ketama, .ketamaSpy:
            // The first point at or after the hash, wrapping to the first.
            var low = 0, high = continuum.count
            while low < high {
                let middle = (low + high) / 2
                if continuum[middle].point < value { low = middle + 1 } else { high = middle }
            }
            return continuum[low == continuum.count ? 0 : low].server
        }
    }
}
