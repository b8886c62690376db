/// The client side of SASL SCRAM (RFC 5802; SHA-256 per RFC 7677): a
/// memcached with SASL may offer it beside PLAIN, and libmemcached (through
/// Cyrus SASL) then never sends the password itself, so neither does
/// cachalot. No channel binding ("n,,"), names sent as they are but for
/// SCRAM's "=" and "," escapes (SASLprep of non-ASCII names is not done:
/// such a name is refused).
struct SCRAMClient<Digest: BlockDigest> {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let username: String
    let password: String
    let clientNonce: String
    private(set) var expectedServerSignature: [UInt8] = []

    /// `nonce`: a test's fixed one (RFC 5802's example), else 18 random bytes.
    init(username: String, password: String, nonce: String? = nil) throws {
        guard username.utf8.allSatisfy({ $0 < 0x80 }), password.utf8.allSatisfy({ $0 < 0x80 }) else {
            throw Failure(description: "SCRAM needs SASLprep for names beyond ASCII, which cachalot does not do")
        }
        self.username = username
        self.password = password
        var generator = SystemRandomNumberGenerator()
        clientNonce = nonce ?? Base64.encode((0..<18).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    var clientFirstBare: String {
        "n=" + username.replacing("=", with: "=3D").replacing(",", with: "=2C") + ",r=" + clientNonce
    }

    /// What AUTH carries.
    var clientFirst: String { "n,," + clientFirstBare }

    /// The answer to the server's challenge (`r=…,s=…,i=…`): what STEP carries.
    mutating func clientFinal(serverFirst: String) throws -> String {
        var fields: [Character: String] = [:]
        for part in serverFirst.split(separator: ",") {
            guard let key = part.first, part.dropFirst().first == "=" else { continue }
            fields[key] = String(part.dropFirst(2))
        }
        guard let nonce = fields["r"], nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count,
              let salt = fields["s"].flatMap(Base64.decode), let iterations = fields["i"].flatMap({ Int($0) }),
              (1...1_000_000).contains(iterations) else {
            throw Failure(description: "the server's SCRAM challenge is malformed")
        }
        let salted = HMAC<Digest>.pbkdf2(password: Array(password.utf8), salt: salt, iterations: iterations)
        let clientKey = HMAC<Digest>.mac(key: salted, Array("Client Key".utf8))
        let storedKey = Digest.hash(clientKey)
        let withoutProof = "c=biws,r=" + nonce
        let authMessage = Array((clientFirstBare + "," + serverFirst + "," + withoutProof).utf8)
        let signature = HMAC<Digest>.mac(key: storedKey, authMessage)
        let proof = zip(clientKey, signature).map { $0 ^ $1 }
        let serverKey = HMAC<Digest>.mac(key: salted, Array("Server Key".utf8))
        expectedServerSignature = HMAC<Digest>.mac(key: serverKey, authMessage)
        return withoutProof + ",p=" + Base64.encode(proof)
    }

    /// The server proves it knew the password too (`v=…`).
    func verify(serverFinal: String) throws {
        guard serverFinal.hasPrefix("v="), Base64.decode(String(serverFinal.dropFirst(2))) == expectedServerSignature else {
            throw Failure(description: "the server's SCRAM signature does not match: not the server that holds this password")
        }
    }
}
