import CKairos
import Glibc

/// TLS over a connected socket with OpenSSL: the handshake runs blocking (bounded by the socket
/// timeouts), then the socket turns non-blocking for pipelining. Verification is against
/// `--cacert` or the system store, including the host name or IP address; `--insecure`
/// skips both.
final class TLSTransport: Transport {
    let descriptor: CInt
    private let context: OpaquePointer
    private let ssl: OpaquePointer

    struct Settings {
        var host: String
        var caCertificate: String?
        var insecure: Bool
    }

    init(descriptor: CInt, settings: Settings) throws(ClientError) {
        self.descriptor = descriptor
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            _ = ckairos_close(descriptor)
            throw ClientError("TLS: cannot create a context: \(Self.drainErrors())")
        }
        // SSL_new copies the context's verify mode, versions and modes: set them first.
        do {
            try Self.configure(context, settings)
        } catch {
            SSL_CTX_free(context)
            _ = ckairos_close(descriptor)
            throw error
        }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            _ = ckairos_close(descriptor)
            throw ClientError("TLS: cannot create a session: \(Self.drainErrors())")
        }
        self.context = context
        self.ssl = ssl
        // From here on deinit frees both and closes the descriptor.
        try configure(settings)
        try handshake(settings)
        TCPConnector.setNonBlocking(descriptor, true)
    }

    deinit {
        // close_notify, so the server sees an orderly end; one try, the socket is non-blocking.
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        SSL_free(ssl)
        SSL_CTX_free(context)
        _ = ckairos_close(descriptor)
    }

    private static func configure(_ context: OpaquePointer, _ settings: Settings) throws(ClientError) {
        _ = ckairos_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION)
        // Partial writes let the pipeline hand over what fits and carry on reading answers.
        _ = ckairos_SSL_CTX_set_mode(context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        if !settings.insecure {
            if let file = settings.caCertificate {
                // The C library's words for a file that cannot be opened; OpenSSL's queue would say
                // `system library::No such file or directory; BIO routines::no such file; ...`.
                if let reason = Self.unreadable(file) { throw ClientError("--cacert: cannot read \(file): \(reason)") }
                guard SSL_CTX_load_verify_locations(context, file, nil) == 1 else {
                    let reason = Self.drainErrors()
                    if reason == "no certificate or crl found" {
                        throw ClientError("--cacert: \(file) holds no PEM certificate (a -----BEGIN CERTIFICATE----- block)")
                    }
                    throw ClientError("--cacert: cannot load the certificates in \(file): \(reason)")
                }
            } else if SSL_CTX_set_default_verify_paths(context) != 1 {
                throw ClientError("TLS: cannot load the system certificate store: \(Self.drainErrors())")
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        }
    }

    /// The name the certificate must carry, and SNI.
    private func configure(_ settings: Settings) throws(ClientError) {
        if !settings.insecure {
            let checked: CInt
            if Self.isIPAddress(settings.host) {
                checked = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), settings.host)
            } else {
                checked = SSL_set1_host(ssl, settings.host)
            }
            guard checked == 1 else { throw ClientError("TLS: cannot check the name \(settings.host): \(Self.drainErrors())") }
        }
        if !Self.isIPAddress(settings.host) {
            // Server Name Indication (the SSL_set_tlsext_host_name macro).
            _ = settings.host.withCString {
                SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: $0))
            }
        }
        guard SSL_set_fd(ssl, descriptor) == 1 else { throw ClientError("TLS: \(Self.drainErrors())") }
    }

    private func handshake(_ settings: Settings) throws(ClientError) {
        ERR_clear_error()
        let result = SSL_connect(ssl)
        guard result != 1 else { return }
        let code = SSL_get_error(ssl, result)
        let systemError = errno
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            let reason = String(cString: X509_verify_cert_error_string(verify))
            throw ClientError("TLS: the server's certificate was not accepted: \(reason) (--cacert FILE names a CA to trust; --insecure skips verification)")
        }
        if code == SSL_ERROR_SYSCALL || code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
            let reason = systemError == EAGAIN ? "timed out" : systemError == 0 ? "the server closed the connection" : String(cString: strerror(systemError))
            throw ClientError("TLS handshake failed: \(reason) (does the server speak TLS?)")
        }
        throw ClientError("TLS handshake failed: \(Self.drainErrors())")
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportResult {
        ERR_clear_error()
        let count = SSL_read(ssl, buffer.baseAddress, CInt(min(buffer.count, Int(CInt.max))))
        if count > 0 { return .transferred(Int(count)) }
        return failure(count)
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> TransportResult {
        ERR_clear_error()
        let count = SSL_write(ssl, bytes.baseAddress, CInt(min(bytes.count, Int(CInt.max))))
        if count > 0 { return .transferred(Int(count)) }
        return failure(count)
    }

    private func failure(_ result: CInt) -> TransportResult {
        let systemError = errno
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wouldBlock(wantsWrite: false)
        case SSL_ERROR_WANT_WRITE: return .wouldBlock(wantsWrite: true)
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            return systemError == 0 || systemError == ECONNRESET || systemError == EPIPE ? .closed : .failed(String(cString: strerror(systemError)))
        default: return .failed(Self.drainErrors())
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// The reasons on OpenSSL's error queue in plain words (`wrong version number`), oldest first and
    /// without repeats: the codes and library names of `ERR_error_string_n`
    /// (`error:0A00010B:SSL routines::`) mean nothing to someone typing a command.
    static func drainErrors() -> String {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            guard let reason = ERR_reason_error_string(code) else { continue }
            let text = String(cString: reason)
            if !reasons.contains(text) { reasons.append(text) }
        }
        return reasons.isEmpty ? "unknown error" : reasons.joined(separator: "; ")
    }

    /// Why `path` cannot be opened for reading (`No such file or directory`, `Is a directory`), or nil.
    static func unreadable(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { return String(cString: strerror(errno)) }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { return String(cString: strerror(EISDIR)) }
        return nil
    }
}
