import CKairos
import Glibc

/// Where a session stands after the reactor fed it ciphertext.
public enum TLSProgress: Equatable, Sendable {
    /// The handshake needs more bytes from the peer (send `pendingCiphertextCount` bytes first).
    case handshaking
    /// Application data flows; any plaintext that arrived has been appended.
    case established
    /// The peer sent close_notify. Plaintext that preceded it has been appended; no more follows.
    case peerClosed
    /// The session is unusable. Pending ciphertext may hold an alert worth flushing before closing.
    case failed(TLSError)
}

/// One server-side TLS connection over two memory BIOs: the reactor moves ciphertext between
/// the socket and this session, and plaintext between this session and the line parser.
///
/// No method touches a socket or blocks, and OpenSSL's WANT_READ/WANT_WRITE never escape: with
/// memory BIOs, "want read" just means "no complete record yet", and writes cannot stall.
/// After every call the owner should send `pendingCiphertextCount` bytes (`takeCiphertext`),
/// since reading can produce output too (handshake flights, alerts, key update replies).
///
/// Noncopyable because it owns the `SSL` object: exactly one owner frees it. It can live in a
/// final class's optional field (`connection.tls?.readPlaintext(into:)`, `= nil` frees it) or in
/// a slab (`UnsafeMutablePointer<TLSSession>`); Swift's `Array` cannot hold it.
public struct TLSSession: ~Copyable {
    /// Ciphertext accepted ahead of decryption. Two maximal records (16 KiB + overhead each), so a
    /// partial record left over from the previous read always has room to complete.
    static let receiveLimit = 34 * 1024
    /// Encrypted output at which `writePlaintext` stops consuming, so a slow socket makes the
    /// owner hold plaintext (which it can account for) instead of this session growing. The
    /// reactor holds at most this much ciphertext per connection too (`encryptOutput`).
    package static let sendLimit = 64 * 1024
    /// Plaintext per `SSL_write`/`SSL_read`: one full TLS record.
    public static let recordSize = 16 * 1024

    private enum State {
        case handshaking
        case established
        case peerClosed
        case closed(handshakeCompleted: Bool)
        case failed(TLSError)
    }

    private let ssl: OpaquePointer
    /// Owned by `ssl`; cached because every call needs them.
    private let input: OpaquePointer
    private let output: OpaquePointer
    private var state: State = .handshaking
    /// `TLSContext.releasesIdleBuffers`: give the BIOs' storage back whenever they drain.
    private let releasesBIOs: Bool

    /// A server session using `context`'s certificate and settings.
    public init(context: TLSContext) throws(TLSError) {
        try self.init(context: context) { ssl in
            SSL_set_accept_state(ssl)
            return true
        }
    }

    /// A client session (made from `TLSContext(clientTrusting:)`) that verifies the peer's
    /// certificate chain and that it was issued for `serverName`: a DNS name (also sent as SNI)
    /// or a literal IPv4/IPv6 address (matched against the certificate's IP entries; no SNI,
    /// which RFC 6066 forbids for addresses).
    public init(clientContext context: TLSContext, serverName: String) throws(TLSError) {
        try self.init(context: context) { ssl in
            SSL_set_connect_state(ssl)
            if TLSSession.isAddressLiteral(serverName) {
                return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) == 1
            }
            // SSL_set_tlsext_host_name is a macro over SSL_ctrl, which copies the name.
            return SSL_set1_host(ssl, serverName) == 1
                && serverName.withCString { name in
                    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: name)) == 1
                }
        }
    }

    private init(context: TLSContext, role: (OpaquePointer) -> Bool) throws(TLSError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.handle) else { throw .draining(.setupFailed) }
        guard let input = TLSMemoryBIO.make() else {
            SSL_free(ssl)
            throw .draining(.setupFailed)
        }
        guard let output = TLSMemoryBIO.make() else {
            BIO_free(input)
            SSL_free(ssl)
            throw .draining(.setupFailed)
        }
        SSL_set0_rbio(ssl, input)
        SSL_set0_wbio(ssl, output)
        guard role(ssl) else {
            SSL_free(ssl)
            throw .draining(.setupFailed)
        }
        self.ssl = ssl
        self.input = input
        self.output = output
        releasesBIOs = context.releasesIdleBuffers
    }

    private static func isAddressLiteral(_ host: String) -> Bool {
        var probe = in6_addr()
        return inet_pton(AF_INET, host, &probe) == 1 || inet_pton(AF_INET6, host, &probe) == 1
    }

    deinit { SSL_free(ssl) }

    // MARK: Ciphertext from the socket

    /// Takes ciphertext that arrived from the socket and returns how many bytes were accepted;
    /// the caller keeps the rest and offers it again after `readPlaintext`.
    ///
    /// After close_notify, a failure or `close()`, nothing more will be decrypted, so the bytes
    /// are discarded and reported as accepted: a caller draining its buffer never stalls.
    public mutating func receiveCiphertext(_ bytes: UnsafeRawBufferPointer) -> Int {
        switch state {
        case .handshaking, .established: break
        case .peerClosed, .closed, .failed: return bytes.count
        }
        let count = min(bytes.count, max(Self.receiveLimit - TLSMemoryBIO.pending(input), 0))
        guard count > 0, let base = bytes.baseAddress else { return 0 }
        let written = BIO_write(input, base, CInt(count))
        return written > 0 ? Int(written) : 0
    }

    /// Advances the handshake and decrypts every complete record received so far, appending the
    /// plaintext to `plaintext`. Once a session has failed or closed it keeps returning that.
    /// Plaintext appended before a failure came from authenticated records and is genuine.
    ///
    /// `chunk` (at least `recordSize` bytes) is where records are decrypted before being
    /// appended; the reactor passes one buffer shared by all its sessions. Without it, each call
    /// uses a temporary one, which is a heap allocation at this size.
    public mutating func readPlaintext(
        into plaintext: inout [UInt8], chunk: UnsafeMutableRawBufferPointer? = nil
    ) -> TLSProgress {
        let progress: TLSProgress
        switch state {
        case .handshaking: progress = handshake(thenDecryptInto: &plaintext, chunk: chunk)
        case .established: progress = decrypt(into: &plaintext, chunk: chunk)
        case .peerClosed: return .peerClosed
        case .closed: return .failed(TLSError(kind: .closed))
        case .failed(let error): return .failed(error)
        }
        if releasesBIOs { TLSMemoryBIO.releaseIfDrained(input) }
        return progress
    }

    private mutating func handshake(
        thenDecryptInto plaintext: inout [UInt8], chunk: UnsafeMutableRawBufferPointer?
    ) -> TLSProgress {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            state = .established
            // A TLS 1.3 client may send its first request in the same flight as its Finished.
            return decrypt(into: &plaintext, chunk: chunk)
        }
        let code = SSL_get_error(ssl, result)
        if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE { return .handshaking }
        let error = TLSError.draining(.handshakeFailed, sslError: code)
        state = .failed(error)
        return .failed(error)
    }

    private mutating func decrypt(into plaintext: inout [UInt8], chunk: UnsafeMutableRawBufferPointer?) -> TLSProgress {
        let outcome: CInt
        if let chunk, chunk.count >= Self.recordSize {
            outcome = readRecords(into: &plaintext, through: chunk)
        } else {
            outcome = withUnsafeTemporaryAllocation(byteCount: Self.recordSize, alignment: 16) { temporary in
                readRecords(into: &plaintext, through: temporary)
            }
        }
        switch outcome {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .established
        case SSL_ERROR_ZERO_RETURN:
            state = .peerClosed
            return .peerClosed
        default:
            let error = TLSError.draining(.protocolFailure, sslError: outcome)
            state = .failed(error)
            return .failed(error)
        }
    }

    /// SSL_read until OpenSSL wants more input; returns the SSL error code that stopped it.
    private func readRecords(into plaintext: inout [UInt8], through chunk: UnsafeMutableRawBufferPointer) -> CInt {
        while true {
            ERR_clear_error()
            let count = SSL_read(ssl, chunk.baseAddress, CInt(chunk.count))
            if count > 0 {
                plaintext.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[..<Int(count)]))
                // Every byte received is decrypted and taken: another SSL_read could only say
                // so. Skipping it saves a call per request of a keep-alive client.
                if TLSMemoryBIO.pending(input) == 0, SSL_has_pending(ssl) == 0 { return SSL_ERROR_WANT_READ }
                continue
            }
            return SSL_get_error(ssl, count)
        }
    }

    // MARK: Plaintext to the socket

    /// Encrypts application bytes and returns how many were consumed: fewer than offered when
    /// `sendLimit` bytes of ciphertext are already waiting (take them, then offer the rest), and
    /// zero while the handshake is still running. Writing stays allowed after the peer's
    /// close_notify, so replies to requests that preceded it can still go out.
    public mutating func writePlaintext(_ bytes: UnsafeRawBufferPointer) -> Result<Int, TLSError> {
        switch state {
        case .handshaking: return .success(0)
        case .established, .peerClosed: break
        case .closed: return .failure(TLSError(kind: .closed))
        case .failed(let error): return .failure(error)
        }
        guard let base = bytes.baseAddress else { return .success(0) }
        var consumed = 0
        while consumed < bytes.count, TLSMemoryBIO.pending(output) < Self.sendLimit {
            let size = min(bytes.count - consumed, Self.recordSize)
            ERR_clear_error()
            let written = SSL_write(ssl, base + consumed, CInt(size))
            if written > 0 {
                consumed += Int(written)
                continue
            }
            let code = SSL_get_error(ssl, written)
            if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE { break }
            let error = TLSError.draining(.protocolFailure, sslError: code)
            state = .failed(error)
            return .failure(error)
        }
        return .success(consumed)
    }

    /// Ciphertext waiting to go to the socket: handshake records, application data, alerts,
    /// close_notify.
    public var pendingCiphertextCount: Int { TLSMemoryBIO.pending(output) }

    /// Moves up to `buffer.count` bytes of pending ciphertext into `buffer`; returns the count.
    public mutating func takeCiphertext(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return 0 }
        let count = BIO_read(output, base, CInt(clamping: buffer.count))
        if releasesBIOs { TLSMemoryBIO.releaseIfDrained(output) }
        return count > 0 ? Int(count) : 0
    }

    // MARK: Closing

    /// Queues close_notify when the handshake has completed (TLS has no clean way to end an
    /// unfinished one); the caller then flushes pending ciphertext and closes the socket. The
    /// peer's own close_notify is not awaited.
    public mutating func close() {
        switch state {
        case .established, .peerClosed:
            ERR_clear_error()
            // 0 means "ours is queued, theirs not seen", 1 "both done"; either suits a server
            // that closes the socket next, and a failure leaves nothing worth reporting.
            _ = SSL_shutdown(ssl)
            ERR_clear_error()
            state = .closed(handshakeCompleted: true)
        case .handshaking:
            state = .closed(handshakeCompleted: false)
        case .closed, .failed:
            break
        }
    }

    // MARK: Inspection

    /// True once the handshake has succeeded, including after either side closed.
    public var isHandshakeComplete: Bool {
        switch state {
        case .established, .peerClosed: true
        case .closed(let handshakeCompleted): handshakeCompleted
        case .handshaking, .failed: false
        }
    }

    /// "TLSv1.3" or "TLSv1.2" once the handshake has completed, otherwise nil.
    public var negotiatedVersion: String? {
        guard isHandshakeComplete, let name = SSL_get_version(ssl) else { return nil }
        return String(cString: name)
    }

    /// Storage held by the two memory BIOs (OpenSSL's own record buffers not included); zero
    /// for an idle session whose ciphertext has all been taken.
    package var bufferedBytes: Int { TLSMemoryBIO.capacity(input) + TLSMemoryBIO.capacity(output) }
}
