import CKairos
import Glibc
import KairosSystem

/// A TLS failure with OpenSSL's error queue drained into text.
struct TLSFailure: Error, CustomStringConvertible {
    let description: String

    /// Drains the thread's OpenSSL error queue (it must be drained, or the next call on this
    /// thread would see these errors as its own).
    static func drain(_ context: String) -> TLSFailure {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return TLSFailure(description: reasons.isEmpty ? context : "\(context): \(reasons.joined(separator: "; "))")
    }
}

/// The client side of TLS for the benchmark: TLS 1.3, no certificate verification (the server's
/// certificate is a throwaway made by the bench script), no session resumption, so every
/// connection costs a full handshake, which is what the handshake-rate figure is about.
///
/// Unlike the server (which keeps TLS a byte transformer over memory BIOs), the load generator
/// lets OpenSSL use the non-blocking socket directly through SSL_set_fd: it is simpler, and the
/// client's own cost is reported separately from the server's.
final class TLSClientContext {
    let context: OpaquePointer

    init() throws(TLSFailure) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw TLSFailure.drain("SSL_CTX_new") }
        self.context = context
        guard ckairos_SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) == 1 else {
            SSL_CTX_free(context)
            throw TLSFailure.drain("TLS 1.3 unavailable")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        // Partial writes let a pipelined batch go out as far as the socket takes it; the moving
        // buffer flag because the retry may come from a reallocated Swift array.
        _ = ckairos_SSL_CTX_set_mode(
            context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE) | Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER) | Int(SSL_MODE_RELEASE_BUFFERS))
    }

    deinit { SSL_CTX_free(context) }

    /// A session over an already connected non-blocking socket.
    func session(on fd: FileDescriptor) throws(TLSFailure) -> TLSSession {
        ERR_clear_error()
        guard let ssl = SSL_new(context) else { throw TLSFailure.drain("SSL_new") }
        guard SSL_set_fd(ssl, fd.rawValue) == 1 else {
            SSL_free(ssl)
            throw TLSFailure.drain("SSL_set_fd")
        }
        SSL_set_connect_state(ssl)
        return TLSSession(ssl: ssl)
    }
}

/// One TLS connection's OpenSSL state; owned by its `ClientConnection`, freed by `close()`.
struct TLSSession {
    enum Step: Equatable {
        case done(Int)
        case wantRead
        case wantWrite
        /// The peer closed the TLS session (close_notify) or the TCP connection.
        case closed
        case failed(String)
    }

    private let ssl: OpaquePointer

    init(ssl: OpaquePointer) { self.ssl = ssl }

    /// Drives the handshake; `.done(0)` when finished.
    func handshake() -> Step {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        return result == 1 ? .done(0) : classify(result, "TLS handshake")
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Step {
        ERR_clear_error()
        let result = SSL_read(ssl, buffer.baseAddress, CInt(clamping: buffer.count))
        return result > 0 ? .done(Int(result)) : classify(result, "TLS read")
    }

    func write(_ buffer: UnsafeRawBufferPointer) -> Step {
        ERR_clear_error()
        let result = SSL_write(ssl, buffer.baseAddress, CInt(clamping: buffer.count))
        return result > 0 ? .done(Int(result)) : classify(result, "TLS write")
    }

    /// Sends close_notify if the socket takes it at once, then frees the session.
    func close() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
        SSL_free(ssl)
    }

    private func classify(_ result: CInt, _ what: String) -> Step {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            // An EOF without close_notify, or a socket error.
            let failure = TLSFailure.drain(what)
            return failure.description == what ? .closed : .failed(failure.description)
        default:
            return .failed(TLSFailure.drain(what).description)
        }
    }
}
