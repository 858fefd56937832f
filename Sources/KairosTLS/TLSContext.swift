import CKairos

/// The lowest TLS protocol version the server accepts.
public enum TLSVersion: Sendable {
    case v1_2
    case v1_3
}

/// The server's TLS configuration: one OpenSSL `SSL_CTX` shared by every session.
///
/// `@unchecked Sendable` because OpenSSL documents an `SSL_CTX` as safe to share between threads
/// once configured, and this type never changes it after `init`.
public final class TLSContext: @unchecked Sendable {
    /// The `SSL_CTX`. Each `SSL` created from it holds its own reference, so sessions may outlive
    /// this object.
    package let handle: OpaquePointer
    /// Sessions give back their buffers (OpenSSL's record buffers, the memory BIOs' storage)
    /// whenever they drain. Right for many mostly idle connections; a connection that carries
    /// request after request would pay for the release and the next allocation every time.
    package let releasesIdleBuffers: Bool

    /// Loads the full certificate chain (leaf first, then intermediates) from `certificatePath`
    /// and the PEM private key from `privateKeyPath`, and checks that the key belongs to the leaf.
    ///
    /// Sessions are tuned for many mostly idle connections: OpenSSL releases its record buffers
    /// whenever they are empty, and no session state is kept after a handshake (no session cache,
    /// no tickets), since the line protocol's clients hold long-lived connections and gain
    /// nothing from resumption.
    ///
    /// `releasesIdleBuffers: false` keeps each session's buffers for its whole life instead
    /// (about 34 KiB more per connection once it has carried a record each way): for the HTTP
    /// API, whose keep-alive clients send request after request, where releasing and
    /// reallocating them cost four allocations per request (issue 11, B9).
    public init(
        certificatePath: String, privateKeyPath: String, minimumVersion: TLSVersion = .v1_3,
        releasesIdleBuffers: Bool = true
    ) throws(TLSError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw .draining(.setupFailed) }
        if let failure = Self.configure(context, minimumVersion: minimumVersion, releasesIdleBuffers: releasesIdleBuffers)
            ?? Self.loadCredentials(context, certificatePath: certificatePath, privateKeyPath: privateKeyPath)
        {
            SSL_CTX_free(context)
            throw failure
        }
        handle = context
        self.releasesIdleBuffers = releasesIdleBuffers
    }

    /// A client context for outgoing connections (the redis runner's `rediss://`, D-network-runners): TLS 1.2
    /// or later, peer verification required. Trust comes from `caFile` (a PEM bundle) when given,
    /// else from OpenSSL's default locations, i.e. the system store, which the `SSL_CERT_FILE` and
    /// `SSL_CERT_DIR` environment variables override as for any OpenSSL program.
    public init(clientTrusting caFile: String? = nil) throws(TLSError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw .draining(.setupFailed) }
        _ = ckairos_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS))
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        ERR_clear_error()
        let trusted = if let caFile {
            SSL_CTX_load_verify_locations(context, caFile, nil) == 1
        } else {
            SSL_CTX_set_default_verify_paths(context) == 1
        }
        guard ckairos_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1, trusted else {
            let error = TLSError.draining(caFile == nil ? .setupFailed : .certificateLoadFailed)
            SSL_CTX_free(context)
            throw error
        }
        handle = context
        releasesIdleBuffers = true
    }

    deinit { SSL_CTX_free(handle) }

    // MARK: Setup steps

    /// Protocol and memory settings; returns the first failure.
    private static func configure(_ context: OpaquePointer, minimumVersion: TLSVersion, releasesIdleBuffers: Bool) -> TLSError? {
        // Without this OpenSSL keeps a 16 KiB read buffer and a 16 KiB write buffer per idle
        // connection; with it they exist only while a record is in flight.
        if releasesIdleBuffers { _ = ckairos_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS)) }

        let version = switch minimumVersion {
        case .v1_2: TLS1_2_VERSION
        case .v1_3: TLS1_3_VERSION
        }
        ERR_clear_error()
        guard ckairos_SSL_CTX_set_min_proto_version(context, version) == 1 else { return .draining(.setupFailed) }

        // No resumption state at all (figures measured with OpenSSL 3.0):
        // - TLS 1.3 sends two tickets after each handshake, each a session serialized and
        //   encrypted by the server: `num_tickets = 0` skips that work and its output.
        // - SSL_OP_NO_TICKET stops TLS 1.2 tickets. On its own it would switch TLS 1.3 to stateful
        //   tickets kept in the session cache: +1 KiB per live connection and 2 KiB left behind
        //   per closed one, hence the two other settings.
        // - With the cache on, every TLS 1.2 connection closed with close_notify leaves its
        //   session behind (~1 KiB, up to 20,480 of them).
        // Renegotiation (TLS 1.2 only) is refused: it lets one client make the server redo
        // handshakes on demand and the protocol never needs it.
        _ = ckairos_SSL_CTX_set_options(
            context, Int(bitPattern: UInt(ckairos_SSL_OP_NO_TICKET() | ckairos_SSL_OP_NO_RENEGOTIATION())))
        _ = ckairos_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
        ERR_clear_error()
        guard SSL_CTX_set_num_tickets(context, 0) == 1 else { return .draining(.setupFailed) }
        return nil
    }

    /// Loads the chain and the key; returns the first failure with the kind an operator needs.
    private static func loadCredentials(
        _ context: OpaquePointer, certificatePath: String, privateKeyPath: String
    ) -> TLSError? {
        // Each failure carries a plain `problem` (CredentialFile) for the startup message.
        if let problem = CredentialFile.unreadable(certificatePath) {
            return TLSError(kind: .certificateLoadFailed, problem: problem)
        }
        ERR_clear_error()
        guard SSL_CTX_use_certificate_chain_file(context, certificatePath) == 1 else {
            var error = TLSError.draining(.certificateLoadFailed)
            error.problem = CredentialFile.certificateProblem(certificatePath, rootReason: error.rootReason)
            return error
        }
        if let problem = CredentialFile.unreadable(privateKeyPath) {
            return TLSError(kind: .privateKeyLoadFailed, problem: problem)
        }
        // The key is read here rather than by SSL_CTX_use_PrivateKey_file so that a key that
        // does not match is reported as a mismatch, not as a load failure, and so that an
        // encrypted key fails at once instead of OpenSSL prompting for a passphrase on the
        // terminal of a server that may have none.
        ERR_clear_error()
        guard let key = readPrivateKey(privateKeyPath) else {
            var error = TLSError.draining(.privateKeyLoadFailed)
            error.problem = CredentialFile.keyProblem(privateKeyPath, rootReason: error.rootReason)
            return error
        }
        defer { EVP_PKEY_free(key) }
        let mismatch = CredentialFile.mismatch(certificate: certificatePath, key: privateKeyPath)
        ERR_clear_error()
        guard X509_check_private_key(SSL_CTX_get0_certificate(context), key) == 1 else {
            var error = TLSError.draining(.keyMismatch)
            error.problem = mismatch
            return error
        }
        ERR_clear_error()
        guard SSL_CTX_use_PrivateKey(context, key) == 1 else {
            var error = TLSError.draining(.privateKeyLoadFailed)
            error.problem = CredentialFile.keyProblem(privateKeyPath, rootReason: error.rootReason)
            return error
        }
        ERR_clear_error()
        guard SSL_CTX_check_private_key(context) == 1 else {
            var error = TLSError.draining(.keyMismatch)
            error.problem = mismatch
            return error
        }
        return nil
    }

    /// The first PEM private key in the file, or nil with the reason on the error queue.
    private static func readPrivateKey(_ path: String) -> OpaquePointer? {
        guard let file = BIO_new_file(path, "r") else { return nil }
        defer { BIO_free(file) }
        // A callback that supplies no passphrase: encrypted keys fail instead of prompting.
        return PEM_read_bio_PrivateKey(file, nil, { _, _, _, _ in 0 }, nil)
    }
}
