/// The exchanges the store has with one server, in the protocol the
/// connection speaks: text, or binary once it authenticated with SASL.
/// Requests are pipelined; answers come back in the text protocol's terms.
extension MemcachedConnection {
    enum Storage: String { case set, add, cas }

    struct StorageRequest {
        var command: Storage
        var key: String
        var value: (flags: UInt32, data: [UInt8])
        var exptime: Int
        var cas: UInt64? = nil
    }

    /// Keys per get/gets line (a long line is split, all still in one write).
    static let keysPerLine = 100

    /// The items stored under made keys (gets, or binary gets, bring their CAS).
    func items(_ keys: [String], withCas: Bool, limit: Int) throws -> [Item] {
        guard !keys.isEmpty else { return [] }
        if speaksBinary {
            // One quiet GETKQ per key (misses answer nothing), then a NOOP.
            try send(keys.flatMap { Self.binaryRequest(.getKQ, key: Array($0.utf8)) } + Self.binaryRequest(.noop))
            return try readBinaryItems(limit: limit)
        }
        let lines = stride(from: 0, to: keys.count, by: Self.keysPerLine).map { start in
            (withCas ? "gets " : "get ") + keys[start..<min(start + Self.keysPerLine, keys.count)].joined(separator: " ") + "\r\n"
        }
        try send(Array(lines.joined().utf8))
        return try lines.flatMap { _ in try readItems(limit: limit) }
    }

    /// Each request's answer: STORED, EXISTS, NOT_FOUND, NOT_STORED, or
    /// the server's error (about that key).
    func store(_ requests: [StorageRequest]) throws -> [String] {
        try send(requests.flatMap { request in
            speaksBinary
                ? Self.binaryStorage(request.command == .add ? .add : .set, key: request.key, value: request.value,
                                     exptime: request.exptime, cas: request.cas ?? 0)
                : Self.textStorage(request.command, request.key, request.value, exptime: request.exptime, cas: request.cas)
        })
        return try requests.map { _ in
            guard speaksBinary else { return try readReplyLine() }
            let response = try readBinaryResponse(limit: 1 << 20)
            switch Status(rawValue: response.status) {
            case .success?: return "STORED"
            case .keyExists?: return "EXISTS"
            case .keyNotFound?: return "NOT_FOUND"
            case .notStored?: return "NOT_STORED"
            default: return "SERVER_ERROR status \(response.status) \(String(decoding: response.value.prefix(200), as: UTF8.self))"
            }
        }
    }

    /// `<command> <key> <flags> <exptime> <bytes>[ <cas>]\r\n<data>\r\n`.
    static func textStorage(_ command: Storage, _ key: String, _ value: (flags: UInt32, data: [UInt8]), exptime: Int, cas: UInt64? = nil) -> [UInt8] {
        Array("\(command.rawValue) \(key) \(value.flags) \(exptime) \(value.data.count)\(cas.map { " \($0)" } ?? "")\r\n".utf8)
            + value.data + [0x0d, 0x0a]
    }

    /// `stats`, `stats settings` and `stats slabs`.
    func serverStats() throws -> (stats: [(name: String, value: String)], settings: [(name: String, value: String)],
                                  slabs: [(name: String, value: String)]) {
        if speaksBinary {
            try send(["", "settings", "slabs"].flatMap { Self.binaryRequest(.stat, key: Array($0.utf8)) })
            return (try readBinaryStats(), try readBinaryStats(), try readBinaryStats())
        }
        try send(Array("stats\r\nstats settings\r\nstats slabs\r\n".utf8))
        return (try readStats(), try readStats(), try readStats())
    }
}
