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
    /// The drained OpenSSL error queue, oldest first, as `ERR_error_string_n` renders each entry,
    /// followed by the entry's extra text (such as a file name) when OpenSSL recorded one.
    public var reasons: [String]

    /// An error of `kind`; `reasons` is empty for failures OpenSSL did not explain (`.closed`).
    public init(kind: Kind, reasons: [String] = []) {
        self.kind = kind
        self.reasons = reasons
    }

    public var description: String {
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
        var text = [CChar](repeating: 0, count: 256)
        while true {
            var data: UnsafePointer<CChar>?
            var flags: CInt = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            ERR_error_string_n(code, &text, text.count)
            var reason = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if flags & ERR_TXT_STRING != 0, let data, data.pointee != 0 {
                reason += " (" + String(cString: data) + ")"
            }
            reasons.append(reason)
        }
        if reasons.isEmpty, let sslError {
            reasons.append("SSL_get_error returned \(sslError) with an empty error queue")
        }
        return TLSError(kind: kind, reasons: reasons)
    }
}
