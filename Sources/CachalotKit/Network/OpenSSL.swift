import COpenSSL

/// The libssl and libcrypto functions TLS needs (ClientLibrary.openSSL),
/// each typed from OpenSSL's headers.
struct OpenSSL: LibraryFunctions, @unchecked Sendable {
    let clientMethod: cachalot_TLS_client_method_fn
    let contextNew: cachalot_SSL_CTX_new_fn
    let contextFree: cachalot_SSL_CTX_free_fn
    let contextControl: cachalot_SSL_CTX_ctrl_fn
    let setVerify: cachalot_SSL_CTX_set_verify_fn
    let defaultVerifyPaths: cachalot_SSL_CTX_set_default_verify_paths_fn
    let loadVerifyLocations: cachalot_SSL_CTX_load_verify_locations_fn
    let useCertificateChainFile: cachalot_SSL_CTX_use_certificate_chain_file_fn
    let usePrivateKeyFile: cachalot_SSL_CTX_use_PrivateKey_file_fn
    let new: cachalot_SSL_new_fn
    let free: cachalot_SSL_free_fn
    let setFD: cachalot_SSL_set_fd_fn
    let control: cachalot_SSL_ctrl_fn
    let setHost: cachalot_SSL_set1_host_fn
    let verifyParameters: cachalot_SSL_get0_param_fn
    let setExpectedIP: cachalot_X509_VERIFY_PARAM_set1_ip_asc_fn
    let connect: cachalot_SSL_connect_fn
    let read: cachalot_SSL_read_fn
    let write: cachalot_SSL_write_fn
    let getError: cachalot_SSL_get_error_fn
    let verifyResult: cachalot_SSL_get_verify_result_fn
    let verifyErrorString: cachalot_X509_verify_cert_error_string_fn
    let nextError: cachalot_ERR_get_error_fn
    let errorString: cachalot_ERR_error_string_n_fn

    init(_ library: DynamicLibrary) throws {
        clientMethod = try library.function("TLS_client_method")
        contextNew = try library.function("SSL_CTX_new")
        contextFree = try library.function("SSL_CTX_free")
        contextControl = try library.function("SSL_CTX_ctrl")
        setVerify = try library.function("SSL_CTX_set_verify")
        defaultVerifyPaths = try library.function("SSL_CTX_set_default_verify_paths")
        loadVerifyLocations = try library.function("SSL_CTX_load_verify_locations")
        useCertificateChainFile = try library.function("SSL_CTX_use_certificate_chain_file")
        usePrivateKeyFile = try library.function("SSL_CTX_use_PrivateKey_file")
        new = try library.function("SSL_new")
        free = try library.function("SSL_free")
        setFD = try library.function("SSL_set_fd")
        control = try library.function("SSL_ctrl")
        setHost = try library.function("SSL_set1_host")
        verifyParameters = try library.function("SSL_get0_param")
        setExpectedIP = try library.function("X509_VERIFY_PARAM_set1_ip_asc")
        connect = try library.function("SSL_connect")
        read = try library.function("SSL_read")
        write = try library.function("SSL_write")
        getError = try library.function("SSL_get_error")
        verifyResult = try library.function("SSL_get_verify_result")
        verifyErrorString = try library.function("X509_verify_cert_error_string")
        nextError = try library.function("ERR_get_error")
        errorString = try library.function("ERR_error_string_n")
    }

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
