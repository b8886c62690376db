import COpenSSL
import Glibc

/// How to run TLS to a server, as redis-py's SSLConnection reads its
/// options: the peer certificate verified by default (`ssl_cert_reqs`
/// "required"), against the system's CAs unless `ssl_ca_certs` /
/// `ssl_ca_path` name others, the host name checked unless
/// `ssl_check_hostname` is false or certificates are not required; a
/// client certificate from `ssl_certfile` / `ssl_keyfile`.
public struct TLSSettings: Equatable, Sendable {
    public var verifyPeer = true
    public var checkHostname = true
    public var caFile: String?
    public var caPath: String?
    public var certificateFile: String?
    public var keyFile: String?

    public init() {}
}

/// TLS over one of cachalot's sockets, with OpenSSL driving a non-blocking
/// descriptor: the handshake and every read and write wait with poll(), so
/// the exchange's deadline holds over TLS too.
final class TLSStream: ByteStream {
    private let socket: SocketStream
    private let ssl: OpenSSL
    private let context: OpaquePointer
    private let connection: OpaquePointer

    var descriptor: Int32 { socket.descriptor }

    init(over socket: SocketStream, host: String, settings: TLSSettings, until deadline: Deadline) throws {
        self.socket = socket
        ssl = try ClientLibrary.openSSL.get()
        guard let context = ssl.contextNew(ssl.clientMethod()) else { throw NetworkFailure(.io, "TLS: cannot create a context") }
        self.context = context
        // SSL_new copies the context's verify mode, CAs and client
        // certificate: everything is set on the context before it, or the
        // connection keeps OpenSSL's defaults (no verification, no client
        // certificate).
        do {
            try Self.configure(context, settings, ssl)
        } catch {
            ssl.contextFree(context)
            throw error
        }
        guard let connection = ssl.new(context) else {
            ssl.contextFree(context)
            throw NetworkFailure(.io, "TLS: cannot create a connection")
        }
        self.connection = connection
        // From here deinit frees both.
        // SNI and the name the certificate must carry; an IP address is
        // matched against the certificate's IP entries and sent no SNI, as
        // Python's ssl module does.
        let isAddress = Self.isIPAddress(host)
        if !isAddress {
            // SSL_set_tlsext_host_name, a macro over SSL_ctrl.
            _ = host.withCString { ssl.control(connection, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: $0)) }
        }
        if settings.verifyPeer && settings.checkHostname {
            let expected = isAddress ? ssl.setExpectedIP(ssl.verifyParameters(connection), host) : ssl.setHost(connection, host)
            guard expected == 1 else { throw NetworkFailure(.io, "TLS: cannot check the certificate against the host \(quoted(host)): \(ssl.drainErrors())") }
        }
        guard ssl.setFD(connection, socket.descriptor) == 1 else { throw NetworkFailure(.io, "TLS: cannot attach the socket") }
        while true {
            let result = ssl.connect(connection)
            if result == 1 { return }
            try waitForRetry(result, until: deadline, during: "the TLS handshake")
        }
    }

    /// Verification, trusted CAs and the client certificate, on the context.
    private static func configure(_ context: OpaquePointer, _ settings: TLSSettings, _ ssl: OpenSSL) throws {
        ssl.setVerify(context, settings.verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
        // Python's create_default_context(), which redis-py starts from:
        // TLS 1.2 at least, the system's CAs always, the given ones added.
        // SSL_CTX_set_min_proto_version is a macro over SSL_CTX_ctrl.
        guard ssl.contextControl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil) == 1 else {
            throw NetworkFailure(.io, "TLS: cannot require TLS 1.2: \(ssl.drainErrors())")
        }
        _ = ssl.defaultVerifyPaths(context)
        if settings.caFile != nil || settings.caPath != nil {
            guard ssl.loadVerifyLocations(context, settings.caFile, settings.caPath) == 1 else {
                throw NetworkFailure(.io, "TLS: cannot load the CA certificates (ssl_ca_certs / ssl_ca_path): \(ssl.drainErrors())")
            }
        }
        if let certificate = settings.certificateFile {
            guard ssl.useCertificateChainFile(context, certificate) == 1,
                  ssl.usePrivateKeyFile(context, settings.keyFile ?? certificate, SSL_FILETYPE_PEM) == 1 else {
                throw NetworkFailure(.io, "TLS: cannot load the client certificate or key (ssl_certfile / ssl_keyfile): \(ssl.drainErrors())")
            }
        }
    }

    deinit {
        ssl.free(connection)
        ssl.contextFree(context)
    }

    static func isIPAddress(_ host: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, host, &buffer) == 1 || inet_pton(AF_INET6, host, &buffer) == 1
    }

    /// Waits for what OpenSSL needs (read or write) or fails saying why.
    private func waitForRetry(_ result: Int32, until deadline: Deadline, during step: String) throws {
        let error = ssl.getError(connection, result)
        let events: Int16
        switch error {
        case SSL_ERROR_WANT_READ: events = Int16(POLLIN)
        case SSL_ERROR_WANT_WRITE: events = Int16(POLLOUT)
        case SSL_ERROR_ZERO_RETURN: throw NetworkFailure(.closed, "the server closed the connection")
        default:
            let verify = ssl.verifyResult(connection)
            let reason = verify != 0 ? ssl.verifyErrorString(verify).map { "certificate verify failed: " + String(cString: $0) } ?? "certificate verify failed"
                : ssl.drainErrors()
            throw NetworkFailure(.io, "TLS failed during \(step): \(reason.isEmpty ? "the connection broke (error \(error))" : reason)")
        }
        guard try deadline.wait(for: socket.descriptor, events: events, operationTimeout: socket.operationTimeout) else {
            throw NetworkFailure(.replyTimeout, "no answer in time during \(step)")
        }
    }

    func send(_ bytes: [UInt8], until deadline: Deadline) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                ssl.write(connection, raw.baseAddress! + offset, Int32(min(raw.count - offset, Int(Int32.max))))
            }
            if written > 0 { offset += Int(written); continue }
            try waitForRetry(written, until: deadline, during: "sending")
        }
    }

    func receive(into buffer: UnsafeMutableRawBufferPointer, until deadline: Deadline) throws -> Int {
        while true {
            let count = ssl.read(connection, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
            if count > 0 { return Int(count) }
            if ssl.getError(connection, count) == SSL_ERROR_ZERO_RETURN { return 0 }
            try waitForRetry(count, until: deadline, during: "reading the reply")
        }
    }
}
