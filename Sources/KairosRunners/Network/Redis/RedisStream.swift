import KairosProtocol
import KairosSystem
import KairosTLS
import Logging

/// What every redis connection shares: the epoll handle, the time bounds, the TLS client
/// context and the read buffers (one thread uses them all).
final class RedisIO {
    let registrar: PollRegistrar
    let logger: Logger
    /// Bounds for opening a connection (lookup, TCP, TLS) and for each reply: `[runner]
    /// timeout_ms` when set (the runner also cancels the run then), else D-network-runners's 10 s and 30 s.
    let connectNs: Int64
    let replyNs: Int64
    private let caFile: String?
    private var tlsContext: TLSContext?
    /// A socket read is at most one TLS record, so the session always has room for it.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: TLSSession.recordSize, alignment: 16)
    let tlsChunk = UnsafeMutableRawBufferPointer.allocate(byteCount: TLSSession.recordSize, alignment: 16)

    init(registrar: PollRegistrar, logger: Logger, timeoutMs: Int, caFile: String?) {
        self.registrar = registrar
        self.logger = logger
        self.connectNs = Int64(timeoutMs > 0 ? timeoutMs : 10_000) * 1_000_000
        self.replyNs = Int64(timeoutMs > 0 ? timeoutMs : 30_000) * 1_000_000
        self.caFile = caFile
    }

    deinit {
        readBuffer.deallocate()
        tlsChunk.deallocate()
    }

    /// The client TLS context, made on the first `rediss://` connection.
    func clientTLSContext() throws(TLSError) -> TLSContext {
        if let tlsContext { return tlsContext }
        let context = try TLSContext(clientTrusting: caFile)
        tlsContext = context
        return context
    }
}

/// The bytes of one redis socket: commands queued for writing (encrypted first for rediss),
/// bytes read (decrypted first), and the RESP parser they feed. Never blocks: it moves what the
/// socket takes and keeps the rest.
final class RedisStream {
    enum Exchange: Equatable {
        case open
        /// EOF or TLS close_notify: replies read before it are still parsed.
        case peerClosed
        case failed(String)
    }

    private let io: RedisIO
    private var tls: TLSSession?
    private var plaintextOut: Bytes = []
    private var plaintextSent = 0
    private var wireOut: Bytes = []
    private var wireSent = 0
    private var plaintextIn: Bytes = []
    private let reader = RESPReader()
    /// Whether epoll watches the socket for writability; a new socket is watched for it (connect).
    private var watchingWrite = true

    init(io: RedisIO) {
        self.io = io
    }

    func startTLS(serverName: String) throws(TLSError) {
        tls = try TLSSession(clientContext: io.clientTLSContext(), serverName: serverName)
        // A client speaks first: this produces the ClientHello, which the next write sends.
        _ = tls?.readPlaintext(into: &plaintextIn, chunk: io.tlsChunk)
    }

    var isTLSEstablished: Bool { tls?.isHandshakeComplete ?? false }

    func queue(_ bytes: Bytes) {
        plaintextOut.append(contentsOf: bytes)
    }

    func nextReply() throws(RESPReader.ProtocolError) -> RESP.Reply? {
        try reader.next()
    }

    /// Reads what has arrived, then writes what is queued (read before write, house rule 6).
    func exchange(_ fd: FileDescriptor) -> Exchange {
        let input = read(fd)
        if case .failed = input { return input }
        if let failure = write(fd) { return .failed(failure) }
        return input
    }

    private func read(_ fd: FileDescriptor) -> Exchange {
        // Bounded per readiness event so one busy connection cannot starve the runner thread;
        // level-triggered epoll reports the rest next time.
        for _ in 0..<64 {
            let count: Int
            do {
                switch try fd.read(into: io.readBuffer) {
                case .wouldBlock: return .open
                case .processed(0): return .peerClosed
                case .processed(let n): count = n
                }
            } catch {
                return .failed("read: \(error)")
            }
            let bytes = UnsafeRawBufferPointer(rebasing: io.readBuffer[..<count])
            guard tls != nil else {
                reader.feed(bytes)
                continue
            }
            if let outcome = decrypt(bytes) { return outcome }
        }
        return .open
    }

    /// Feeds ciphertext to the TLS session and its plaintext to the parser; nil = keep reading.
    private func decrypt(_ bytes: UnsafeRawBufferPointer) -> Exchange? {
        let accepted = tls?.receiveCiphertext(bytes) ?? 0
        let progress = tls?.readPlaintext(into: &plaintextIn, chunk: io.tlsChunk) ?? .failed(TLSError(kind: .closed))
        if !plaintextIn.isEmpty {
            plaintextIn.withUnsafeBytes { reader.feed($0) }
            plaintextIn.removeAll(keepingCapacity: true)
        }
        switch progress {
        case .handshaking, .established:
            // A read is one record at most and the session decrypts every complete record, so it
            // always has room; anything else would be a bug worth failing loudly on.
            return accepted == bytes.count ? nil : .failed("TLS input not accepted")
        case .peerClosed: return .peerClosed
        case .failed(let error): return .failed("\(error)")
        }
    }

    /// Writes queued bytes until the socket would block; returns a failure reason, if any.
    private func write(_ fd: FileDescriptor) -> String? {
        if tls != nil {
            if let failure = encrypt() { return failure }
            return send(fd, &wireOut, &wireSent)
        }
        return send(fd, &plaintextOut, &plaintextSent)
    }

    /// Moves queued plaintext into the session and its ciphertext (handshake records too) into
    /// `wireOut`.
    private func encrypt() -> String? {
        if plaintextSent < plaintextOut.count {
            let result = plaintextOut.withUnsafeBytes { raw in
                tls?.writePlaintext(UnsafeRawBufferPointer(rebasing: raw[plaintextSent...])) ?? .success(0)
            }
            switch result {
            case .success(let consumed): plaintextSent += consumed
            case .failure(let error): return "\(error)"
            }
            compact(&plaintextOut, &plaintextSent)
        }
        while (tls?.pendingCiphertextCount ?? 0) > 0 {
            let taken = tls?.takeCiphertext(into: io.tlsChunk) ?? 0
            if taken == 0 { break }
            wireOut.append(contentsOf: UnsafeRawBufferPointer(rebasing: io.tlsChunk[..<taken]))
        }
        return nil
    }

    private func send(_ fd: FileDescriptor, _ buffer: inout Bytes, _ sent: inout Int) -> String? {
        while sent < buffer.count {
            do {
                let result = try buffer.withUnsafeBytes { raw throws(Errno) in
                    try fd.write(UnsafeRawBufferPointer(rebasing: raw[sent...]))
                }
                switch result {
                case .wouldBlock:
                    compact(&buffer, &sent)
                    return nil
                case .processed(let n): sent += n
                }
            } catch {
                return "write: \(error)"
            }
        }
        compact(&buffer, &sent)
        return nil
    }

    private func compact(_ buffer: inout Bytes, _ sent: inout Int) {
        if sent == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            sent = 0
        } else if sent >= 64 * 1024 {
            buffer.removeFirst(sent)
            sent = 0
        }
    }

    /// Watches for writability only while bytes wait for the socket.
    func updateInterest(_ fd: FileDescriptor, key: UInt32) {
        let wantWrite = plaintextSent < plaintextOut.count || wireSent < wireOut.count
        guard wantWrite != watchingWrite else { return }
        do {
            try io.registrar.change(fd, events: wantWrite ? Epoll.readable | Epoll.writable : Epoll.readable, key: key)
            watchingWrite = wantWrite
        } catch {
            // Leaving the old interest is harmless: at worst one extra wake-up per loop turn.
            io.logger.debug("runner: redis epoll change failed: \(error)")
        }
    }
}
