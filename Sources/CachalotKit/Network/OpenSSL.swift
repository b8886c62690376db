/// The OpenSSL functions TLS needs, resolved from libssl.so.3 and
/// libcrypto.so.3 (Debian's libssl3, what Python's ssl module uses) on
/// first use. Every object is an opaque pointer, so no header is needed.
struct OpenSSL: @unchecked Sendable {
    typealias Pointer = OpaquePointer

    let clientMethod: @convention(c) () -> Pointer?
    let contextNew: @convention(c) (Pointer?) -> Pointer?
    let contextFree: @convention(c) (Pointer?) -> Void
    let contextControl: @convention(c) (Pointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int
    let setVerify: @convention(c) (Pointer?, Int32, OpaquePointer?) -> Void
    let defaultVerifyPaths: @convention(c) (Pointer?) -> Int32
    let loadVerifyLocations: @convention(c) (Pointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Int32
    let useCertificateChainFile: @convention(c) (Pointer?, UnsafePointer<CChar>?) -> Int32
    let usePrivateKeyFile: @convention(c) (Pointer?, UnsafePointer<CChar>?, Int32) -> Int32
    let new: @convention(c) (Pointer?) -> Pointer?
    let free: @convention(c) (Pointer?) -> Void
    let setFD: @convention(c) (Pointer?, Int32) -> Int32
    let control: @convention(c) (Pointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int
    let setHost: @convention(c) (Pointer?, UnsafePointer<CChar>?) -> Int32
    let verifyParameters: @convention(c) (Pointer?) -> Pointer?
    let setExpectedIP: @convention(c) (Pointer?, UnsafePointer<CChar>?) -> Int32
    let connect: @convention(c) (Pointer?) -> Int32
    let read: @convention(c) (Pointer?, UnsafeMutableRawPointer?, Int32) -> Int32
    let write: @convention(c) (Pointer?, UnsafeRawPointer?, Int32) -> Int32
    let getError: @convention(c) (Pointer?, Int32) -> Int32
    let verifyResult: @convention(c) (Pointer?) -> Int
    let verifyErrorString: @convention(c) (Int) -> UnsafePointer<CChar>?
    let nextError: @convention(c) () -> UInt
    let errorString: @convention(c) (UInt, UnsafeMutablePointer<CChar>?, Int) -> Void

    static let verifyNone: Int32 = 0
    static let verifyPeer: Int32 = 1
    static let fileTypePEM: Int32 = 1
    static let errorWantRead: Int32 = 2
    static let errorWantWrite: Int32 = 3
    static let errorSyscall: Int32 = 5
    static let errorZeroReturn: Int32 = 6
    static let controlSetHostName: Int32 = 55
    /// SSL_CTX_set_min_proto_version is a macro over SSL_CTX_ctrl.
    static let controlSetMinProtocolVersion: Int32 = 123
    static let tls12Version = 0x0303

    private init(ssl: DynamicLibrary, crypto: DynamicLibrary) throws {
        clientMethod = try ssl.function("TLS_client_method")
        contextNew = try ssl.function("SSL_CTX_new")
        contextFree = try ssl.function("SSL_CTX_free")
        contextControl = try ssl.function("SSL_CTX_ctrl")
        setVerify = try ssl.function("SSL_CTX_set_verify")
        defaultVerifyPaths = try ssl.function("SSL_CTX_set_default_verify_paths")
        loadVerifyLocations = try ssl.function("SSL_CTX_load_verify_locations")
        useCertificateChainFile = try ssl.function("SSL_CTX_use_certificate_chain_file")
        usePrivateKeyFile = try ssl.function("SSL_CTX_use_PrivateKey_file")
        new = try ssl.function("SSL_new")
        free = try ssl.function("SSL_free")
        setFD = try ssl.function("SSL_set_fd")
        control = try ssl.function("SSL_ctrl")
        setHost = try ssl.function("SSL_set1_host")
        verifyParameters = try ssl.function("SSL_get0_param")
        setExpectedIP = try crypto.function("X509_VERIFY_PARAM_set1_ip_asc")
        connect = try ssl.function("SSL_connect")
        read = try ssl.function("SSL_read")
        write = try ssl.function("SSL_write")
        getError = try ssl.function("SSL_get_error")
        verifyResult = try ssl.function("SSL_get_verify_result")
        verifyErrorString = try crypto.function("X509_verify_cert_error_string")
        nextError = try crypto.function("ERR_get_error")
        errorString = try crypto.function("ERR_error_string_n")
    }

    private static let loaded: Result<OpenSSL, CachalotError> = {
        do {
            let crypto = try DynamicLibrary(soname: "libcrypto.so.3", package: "libssl3")
            return .success(try OpenSSL(ssl: DynamicLibrary(soname: "libssl.so.3", package: "libssl3"), crypto: crypto))
        } catch {
            return .failure(CachalotError(error))
        }
    }()

    static func load() throws -> OpenSSL { try loaded.get() }

    /// OpenSSL's queued error messages, emptied, on one line.
    func drainErrors() -> String {
        var messages: [String] = []
        while true {
            let code = nextError()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            errorString(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.joined(separator: "; ")
    }
}
