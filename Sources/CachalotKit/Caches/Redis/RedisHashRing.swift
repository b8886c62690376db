/// django-redis's ShardClient ring (client/sharded.py, hash_ring.py): 128
/// points per server, each the sha256 hex digest of "<LOCATION URL>:<i>",
/// sorted as text. A key (or its `{hash tag}`) hashed the same way belongs
/// to the server of the greatest point not above it, and to the last
/// point's server when it is below them all.
struct RedisHashRing {
    private let points: [(digest: String, server: Int)]

    static let replicas = 128

    /// `nodes` are the LOCATION entries exactly as written.
    init(nodes: [String]) {
        var points: [(digest: String, server: Int)] = []
        for (server, node) in nodes.enumerated() {
            for replica in 0..<Self.replicas {
                points.append((Self.digest("\(node):\(replica)"), server))
            }
        }
        self.points = points.sorted { $0.digest < $1.digest }
    }

    static func digest(_ text: String) -> String {
        TextFormatting.hex(bytes: SHA256.hash(text))
    }

    func server(for key: String) -> Int {
        let hash = Self.digest(Self.hashTag(key) ?? key)
        // bisect_right(points, hash) - 1, where -1 is the last point.
        var low = 0, high = points.count
        while low < high {
            let middle = (low + high) / 2
            if hash < points[middle].digest { high = middle } else { low = middle + 1 }
        }
        return points[low == 0 ? points.count - 1 : low - 1].server
    }

    /// The text between the last `{` that has a `}` after it and the last
    /// `}`, on the key's first line: `re.match(r".*\{(.*)\}.*", key)`.
    static func hashTag(_ key: String) -> String? {
        let line = key.prefix { $0 != "\n" }
        guard let close = line.lastIndex(of: "}"), let open = line[..<close].lastIndex(of: "{") else { return nil }
        return String(line[line.index(after: open)..<close])
    }
}
