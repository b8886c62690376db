/// memcached's binary protocol, which a server started with SASL (-S)
/// speaks only: the same items as the text protocol, in 24-byte headers
/// (protocol_binary.h). pylibmc's `binary: True` with a username and
/// password authenticates with SASL first; cachalot does SCRAM-SHA-256,
/// SCRAM-SHA-1 or PLAIN, the first the server offers.
extension MemcachedConnection {
    enum Opcode: UInt8 {
        case get = 0x00, set = 0x01, add = 0x02, noop = 0x0a, getKQ = 0x0d, stat = 0x10
        case saslListMechanisms = 0x20, saslAuthenticate = 0x21, saslStep = 0x22
    }

    /// A response's status (0 is success).
    enum Status: UInt16 {
        case success = 0, keyNotFound = 1, keyExists = 2, valueTooLarge = 3, invalidArguments = 4, notStored = 5
        case authenticationError = 0x20, authenticationContinue = 0x21, unknownCommand = 0x81, outOfMemory = 0x82
    }

    struct Response {
        var opcode: UInt8
        var status: UInt16
        var cas: UInt64
        var extras: [UInt8]
        var key: [UInt8]
        var value: [UInt8]
    }

    /// One request: magic 0x80, opcode, key length, extras length, data
    /// type 0, vbucket 0, body length, opaque, CAS, then extras, key, value.
    static func binaryRequest(_ opcode: Opcode, key: [UInt8] = [], extras: [UInt8] = [], value: [UInt8] = [], cas: UInt64 = 0) -> [UInt8] {
        var frame: [UInt8] = [0x80, opcode.rawValue]
        frame += bigEndian(UInt16(key.count))
        frame += [UInt8(extras.count), 0, 0, 0]
        frame += bigEndian(UInt32(extras.count + key.count + value.count))
        frame += [0, 0, 0, 0]
        frame += bigEndian(cas)
        return frame + extras + key + value
    }

    /// A storage request (set, add; a CAS makes it conditional) with
    /// pylibmc's flags and expiry as extras.
    static func binaryStorage(_ opcode: Opcode, key: String, value: (flags: UInt32, data: [UInt8]), exptime: Int, cas: UInt64 = 0) -> [UInt8] {
        binaryRequest(opcode, key: Array(key.utf8), extras: bigEndian(value.flags) + bigEndian(UInt32(truncatingIfNeeded: exptime)),
                      value: value.data, cas: cas)
    }

    /// The next response, its body at most `limit` bytes.
    func readBinaryResponse(limit: Int = 256 << 20) throws -> Response {
        let header = try readBytes(24)
        guard header[0] == 0x81 else { throw Failure(description: "malformed reply from the server: not a binary protocol response (magic \(header[0]))") }
        let keyLength = Int(header[2]) << 8 | Int(header[3]), extrasLength = Int(header[4])
        let bodyLength = header[8..<12].reduce(0) { $0 << 8 | Int($1) }
        guard bodyLength <= limit, extrasLength + keyLength <= bodyLength else {
            throw Failure(description: "malformed reply from the server: a \(bodyLength)-byte body")
        }
        let body = try readBytes(bodyLength)
        return Response(opcode: header[1], status: UInt16(header[6]) << 8 | UInt16(header[7]),
                        cas: header[16..<24].reduce(0) { $0 << 8 | UInt64($1) },
                        extras: Array(body[..<extrasLength]), key: Array(body[extrasLength..<extrasLength + keyLength]),
                        value: Array(body[(extrasLength + keyLength)...]))
    }

    /// SASL: SCRAM-SHA-256 or SCRAM-SHA-1 when the server offers one (the
    /// password never goes over the wire, as with libmemcached, which picks
    /// the strongest through Cyrus SASL), else PLAIN (RFC 4616). A refusal
    /// is a failure naming the user, never the password.
    func authenticate(username: String, password: String) throws {
        speaksBinary = true  // from its first request on
        try send(Self.binaryRequest(.saslListMechanisms))
        let offered = try readBinaryResponse(limit: 4096)
        guard offered.status == Status.success.rawValue else {
            throw Failure(description: offered.status == Status.unknownCommand.rawValue
                          ? "the server does not do SASL (not started with -S), though OPTIONS give a username and password"
                          : "the server answered the SASL mechanism list with status \(offered.status)")
        }
        let mechanisms = String(decoding: offered.value, as: UTF8.self).split(separator: " ").map(String.init)
        let refused = "SASL authentication as \(quoted(username)) failed"
        if mechanisms.contains("SCRAM-SHA-256") {
            try authenticateSCRAM(SHA256.self, "SCRAM-SHA-256", username: username, password: password, refused: refused)
        } else if mechanisms.contains("SCRAM-SHA-1") {
            try authenticateSCRAM(SHA1.self, "SCRAM-SHA-1", username: username, password: password, refused: refused)
        } else if mechanisms.contains("PLAIN") {
            try send(Self.binaryRequest(.saslAuthenticate, key: Array("PLAIN".utf8), value: [0] + Array(username.utf8) + [0] + Array(password.utf8)))
            let answer = try readBinaryResponse(limit: 4096)
            guard answer.status == Status.success.rawValue else { throw Failure(description: "\(refused) (status \(answer.status))", hint: Self.credentialsHint) }
        } else {
            throw Failure(description: "the server offers no SASL mechanism cachalot speaks (it offers \(mechanisms.isEmpty ? "none" : mechanisms.joined(separator: ", ")); cachalot speaks SCRAM-SHA-256, SCRAM-SHA-1 and PLAIN)")
        }
    }

    static let credentialsHint = "check OPTIONS username and password: the site's pylibmc authenticates with the same"

    /// AUTH with the client's first message, STEP with its answer to the
    /// challenge; memcached sends the server's signature with "continue"
    /// (Cyrus SASL wants one more, empty, step) and then "Authenticated".
    private func authenticateSCRAM<Digest: BlockDigest>(_: Digest.Type, _ mechanism: String, username: String, password: String,
                                                        refused: String) throws {
        do {
            var scram = try SCRAMClient<Digest>(username: username, password: password)
            try send(Self.binaryRequest(.saslAuthenticate, key: Array(mechanism.utf8), value: Array(scram.clientFirst.utf8)))
            let challenge = try readBinaryResponse(limit: 4096)
            guard challenge.status == Status.authenticationContinue.rawValue else { throw Failure(description: "\(refused) (status \(challenge.status))", hint: Self.credentialsHint) }
            let answer = try scram.clientFinal(serverFirst: String(decoding: challenge.value, as: UTF8.self))
            try send(Self.binaryRequest(.saslStep, key: Array(mechanism.utf8), value: Array(answer.utf8)))
            var final = try readBinaryResponse(limit: 4096)
            if final.status == Status.authenticationContinue.rawValue {
                try scram.verify(serverFinal: String(decoding: final.value, as: UTF8.self))
                try send(Self.binaryRequest(.saslStep, key: Array(mechanism.utf8)))
                final = try readBinaryResponse(limit: 4096)
            } else if final.status == Status.success.rawValue, final.value.starts(with: Array("v=".utf8)) {
                try scram.verify(serverFinal: String(decoding: final.value, as: UTF8.self))
            }
            guard final.status == Status.success.rawValue else { throw Failure(description: "\(refused) (status \(final.status))", hint: Self.credentialsHint) }
        } catch let failure as SCRAMClient<Digest>.Failure {
            throw Failure(description: "\(refused): \(failure.description)", hint: Self.credentialsHint)
        }
    }

    /// The items of quiet GETKQ requests ended by a NOOP (misses send nothing).
    func readBinaryItems(limit: Int) throws -> [Item] {
        var items: [Item] = []
        var total = 0
        while true {
            // One value at most as large as the text protocol's reader takes.
            let response = try readBinaryResponse(limit: min(limit, valueLimit + 300))
            if response.opcode == Opcode.noop.rawValue { return items }
            guard response.status == Status.success.rawValue, response.extras.count == 4 else {
                throw Failure(description: "the server answered a get with status \(response.status)")
            }
            total += response.value.count
            guard total <= limit else { throw Failure(description: "the values read exceed \(limit >> 20) MiB") }
            items.append(Item(key: String(decoding: response.key, as: UTF8.self),
                              flags: response.extras.reduce(0) { $0 << 8 | UInt32($1) }, data: response.value, cas: response.cas))
        }
    }

    /// STAT responses up to the one with an empty key.
    func readBinaryStats() throws -> [(name: String, value: String)] {
        var stats: [(name: String, value: String)] = []
        while true {
            let response = try readBinaryResponse(limit: MemcachedConnection.lineLimit)
            guard response.status == Status.success.rawValue else { throw Failure(description: "the server answered stats with status \(response.status)") }
            if response.key.isEmpty { return stats }
            stats.append((String(decoding: response.key, as: UTF8.self), String(decoding: response.value, as: UTF8.self)))
            guard stats.count < 10_000 else { throw Failure(description: "too many stats") }
        }
    }

    private static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}
