import CKairos

/// A TLS failure, carrying OpenSSL's own explanation so an operator can act on it
/// (a wrong path, a key for another certificate, a client speaking plaintext).
public struct TLSError: Error, CustomStringConvertible, Equatable {
    /// What the server was doing when OpenSSL gave up.
    public enum Kind: Sendable, Equatable {
        /// The certificate chain file is missing, unreadable or not PEM.
        case certificateLoadFailed
        /// The private key file is missing, unreadable, encrypted or not PEM.
        case privateKeyLoadFailed
        /// The private key does not belong to the leaf certificate.
        case keyMismatch
        /// OpenSSL could not allocate or configure a context, session or BIO.
        case setupFailed
        /// The peer could not complete a handshake (plaintext client, old protocol, bad message).
        case handshakeFailed
        /// An established session received a record it could not accept.
        case protocolFailure
        /// The session was closed locally; no more application data moves.
        case closed
    }

    /// What failed.
    public var kind: Kind
    /// The drained OpenSSL error queue, oldest first and without repeats: each entry's reason in
    /// words (`ERR_reason_error_string`: `certificate verify failed`), followed by its extra text
    /// (such as a file name) when OpenSSL recorded one. The `error:0A000086:SSL routines::` codes
    /// that `ERR_error_string_n` adds mean nothing in an operator's log, so they are left out.
    public var reasons: [String]

    /// For a credential file that could not be used: the problem in plain words, naming the file
    /// (`cannot read /etc/kairos/cert.pem: No such file or directory`, `/etc/kairos/key.pem holds no PEM
    /// private key`). Startup messages use it instead of OpenSSL's error queue, whose entries
    /// (`error:0480006C:PEM routines::no start line`) mean little to an operator. Nil otherwise.
    public var problem: String?
    /// The reason text of the oldest queue entry, which is the root cause
    /// (`ERR_reason_error_string`: `no start line`, `ee key too small`), without codes or library names.
    public var rootReason: String?

    /// An error of `kind`; `reasons` is empty for failures OpenSSL did not explain (`.closed`).
    public init(kind: Kind, reasons: [String] = [], problem: String? = nil, rootReason: String? = nil) {
        self.kind = kind
        self.reasons = reasons
        self.problem = problem
        self.rootReason = rootReason
    }

    public var description: String {
        if let problem { return problem }
        let summary = switch kind {
        case .certificateLoadFailed: "cannot load the TLS certificate chain"
        case .privateKeyLoadFailed: "cannot load the TLS private key"
        case .keyMismatch: "the TLS private key does not match the certificate"
        case .setupFailed: "TLS setup failed"
        case .handshakeFailed: "TLS handshake failed"
        case .protocolFailure: "TLS protocol failure"
        case .closed: "TLS session is closed"
        }
        return reasons.isEmpty ? summary : summary + ": " + reasons.joined(separator: "; ")
    }

    // MARK: Error queue

    /// Empties the calling thread's OpenSSL error queue into a `TLSError`.
    ///
    /// `sslError` is the `SSL_get_error` code of the failed call; it becomes the only reason when
    /// the queue is empty (OpenSSL reports some failures, such as `SSL_ERROR_SYSCALL`, without a
    /// queue entry), so the error always says something.
    static func draining(_ kind: Kind, sslError: CInt? = nil) -> TLSError {
        var reasons: [String] = []
        var rootReason: String?
        var text = [CChar](repeating: 0, count: 256)
        while true {
            var data: UnsafePointer<CChar>?
            var flags: CInt = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            var reason: String
            if let words = ERR_reason_error_string(code) {
                reason = String(cString: words)
            } else {
                // A reason OpenSSL has no text for: its rendered code is all there is.
                ERR_error_string_n(code, &text, text.count)
                reason = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            }
            if rootReason == nil { rootReason = reason }
            if flags & ERR_TXT_STRING != 0, let data, data.pointee != 0 {
                reason += " (" + String(cString: data) + ")"
            }
            if !reasons.contains(reason) { reasons.append(reason) }
        }
        if reasons.isEmpty, let sslError {
            reasons.append("no reason given by OpenSSL (SSL_get_error \(sslError))")
        }
        return TLSError(kind: kind, reasons: reasons, rootReason: rootReason)
    }
}
