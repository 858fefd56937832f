import KairosSystem

/// One client connection: setup (TCP connect, TLS handshake, AUTH), then a pipeline of requests
/// whose replies are checked in order. Owned and driven by one worker thread.
final class ClientConnection {
    /// Setup progress; each phase is left only forward, `closed` is final.
    enum Phase: Equatable {
        case connecting
        case handshaking
        case authenticating
        case ready
        case closed
    }

    /// What a setup step came to.
    enum SetupProgress: Equatable {
        case waiting
        case ready
        case failed(String)
    }

    /// What reading the socket came to.
    enum ReadOutcome: Equatable {
        case open
        /// The server closed the connection (EOF or TLS close).
        case closed
        case failed(String)
    }

    let index: Int
    let fd: FileDescriptor
    private(set) var phase: Phase
    private var tls: TLSSession?
    private(set) var checker: ReplyChecker
    /// Kairos request ids: 1, 2, 3... on each connection (AUTH carries none).
    private var nextID: UInt64 = 1
    private(set) var sendBuffer: [UInt8] = []
    private var sendOffset = 0
    /// Reply bytes received but not yet forming a complete reply (usually empty).
    private var pending: [UInt8] = []
    /// Whether the connection needs EPOLLOUT (a connect in progress, a blocked write).
    private(set) var wantsWrite: Bool
    /// The write interest currently registered with epoll, maintained by the worker.
    var registeredWrite: Bool
    var random: SplitMix64
    /// Monotonic ns of the TCP connect completing and of setup completing (TLS and AUTH done).
    private(set) var connectedAt: Int64 = 0
    private(set) var readyAt: Int64 = 0

    init(index: Int, fd: FileDescriptor, connected: Bool, wire: WireProtocol, seed: UInt64) {
        self.index = index
        self.fd = fd
        self.phase = .connecting
        self.checker = ReplyChecker(wire: wire)
        self.wantsWrite = !connected
        self.registeredWrite = !connected
        self.random = SplitMix64(seed: seed)
    }

    var outstanding: Int { checker.outstanding }

    // MARK: setup

    /// Advances connect → TLS → AUTH as far as the socket allows. Called when the socket is
    /// ready (or right after a connect that finished at once).
    func advanceSetup(
        tls context: TLSClientContext?, auth: String?, encoder: RequestEncoder,
        scratch: UnsafeMutableRawBufferPointer, now: Int64
    ) -> SetupProgress {
        if phase == .connecting {
            if wantsWrite, let error = ClientSocket.connectError(fd) { return fail("connect: \(error)") }
            connectedAt = now
            wantsWrite = false
            if let context {
                do {
                    tls = try context.session(on: fd)
                } catch {
                    return fail(error.description)
                }
                phase = .handshaking
            } else {
                return afterTransport(auth: auth, encoder: encoder, now: now)
            }
        }
        if phase == .handshaking, let tls {
            switch tls.handshake() {
            case .done:
                return afterTransport(auth: auth, encoder: encoder, now: now)
            case .wantRead:
                wantsWrite = false
                return .waiting
            case .wantWrite:
                wantsWrite = true
                return .waiting
            case .closed:
                return fail("the server closed the connection during the TLS handshake")
            case .failed(let reason):
                return fail(reason)
            }
        }
        if phase == .authenticating {
            var verdict: ReplyOutcome?
            switch read(into: scratch, { verdict = $0.outcome }) {
            case .open: break
            case .closed: return fail("the server closed the connection during AUTH")
            case .failed(let reason): return fail(reason)
            }
            switch verdict {
            case .ok?: return becomeReady(now)
            case .errorReply?, .miss?: return fail("AUTH was rejected (wrong secret?)")
            case nil: return flushForSetup()
            }
        }
        return phase == .ready ? .ready : .waiting
    }

    private func afterTransport(auth: String?, encoder: RequestEncoder, now: Int64) -> SetupProgress {
        guard let auth else { return becomeReady(now) }
        phase = .authenticating
        let shape = encoder.encodeAuth(secret: auth, into: &sendBuffer)
        checker.expect(Outstanding(id: 0, shape: shape, operation: nil, sentAt: now))
        return flushForSetup()
    }

    private func flushForSetup() -> SetupProgress {
        if case .failed(let reason) = flush() { return fail(reason) }
        return .waiting
    }

    private func becomeReady(_ now: Int64) -> SetupProgress {
        phase = .ready
        readyAt = now
        return .ready
    }

    private func fail(_ reason: String) -> SetupProgress {
        close()
        return .failed("connection \(index): \(reason)")
    }

    // MARK: requests

    /// Appends a request to the send buffer and registers the reply to expect.
    func queue(
        _ operation: Operation, key: Int, timestamp: Int64, encoder: RequestEncoder, now: Int64
    ) {
        let id = nextID
        nextID += 1
        let shape = encoder.encode(operation, key: key, id: id, timestamp: timestamp, into: &sendBuffer)
        checker.expect(Outstanding(id: id, shape: shape, operation: operation, sentAt: now))
    }

    /// Appends a `--prelude` request (not part of the measurement).
    func queuePrelude(_ line: String, encoder: RequestEncoder, now: Int64) {
        let id = nextID
        nextID += 1
        let shape = encoder.encodePrelude(line, id: id, into: &sendBuffer)
        checker.expect(Outstanding(id: id, shape: shape, operation: nil, sentAt: now))
    }

    /// Writes as much of the send buffer as the socket takes.
    @discardableResult
    func flush() -> ReadOutcome {
        while sendOffset < sendBuffer.count {
            let step: TLSSession.Step = sendBuffer.withUnsafeBytes { bytes in
                let rest = UnsafeRawBufferPointer(rebasing: bytes[sendOffset...])
                if let tls { return tls.write(rest) }
                do {
                    switch try fd.write(rest) {
                    case .processed(let count): return .done(count)
                    case .wouldBlock: return .wantWrite
                    }
                } catch {
                    return .failed("write: \(error)")
                }
            }
            switch step {
            case .done(let count):
                sendOffset += count
            case .wantWrite:
                wantsWrite = true
                return .open
            case .wantRead:
                // TLS needs to read first (a post-handshake message); the next readable event
                // retries the write.
                return .open
            case .closed:
                return .closed
            case .failed(let reason):
                return .failed(reason)
            }
        }
        sendBuffer.removeAll(keepingCapacity: true)
        sendOffset = 0
        wantsWrite = false
        return .open
    }

    // MARK: replies

    /// Reads everything available and feeds it to the reply checker; `sink` sees each request
    /// completed, in order. A reply that does not match is reported as `.failed`.
    func read(into scratch: UnsafeMutableRawBufferPointer, _ sink: (Completion) -> Void) -> ReadOutcome {
        while true {
            let step: TLSSession.Step
            if let tls {
                step = tls.read(into: scratch)
            } else {
                do {
                    switch try fd.read(into: scratch) {
                    case .processed(0): step = .closed
                    case .processed(let count): step = .done(count)
                    case .wouldBlock: step = .wantRead
                    }
                } catch {
                    step = .failed("read: \(error)")
                }
            }
            switch step {
            case .done(let count):
                if let failure = feed(UnsafeRawBufferPointer(rebasing: scratch[0..<count]), sink) {
                    return .failed(failure)
                }
            case .wantRead, .wantWrite:
                return .open
            case .closed:
                return .closed
            case .failed(let reason):
                return .failed(reason)
            }
        }
    }

    private func feed(_ bytes: UnsafeRawBufferPointer, _ sink: (Completion) -> Void) -> String? {
        do throws(Violation) {
            if pending.isEmpty {
                let used = try checker.consume(bytes, sink)
                if used < bytes.count { pending.append(contentsOf: bytes[used...]) }
            } else {
                pending.append(contentsOf: bytes)
                let result: Result<Int, Violation> = pending.withUnsafeBytes { buffer in
                    Result { () throws(Violation) in try checker.consume(buffer, sink) }
                }
                pending.removeFirst(try result.get())
            }
            return nil
        } catch {
            return error.description
        }
    }

    /// Closes the socket (after a TLS close_notify); safe to call more than once.
    func close() {
        guard phase != .closed else { return }
        phase = .closed
        tls?.close()
        tls = nil
        fd.close()
    }
}
