import Glibc
import KairosSystem

/// Where the connections go and how they are set up; the same for every worker.
struct ConnectionPlan: Sendable {
    let target: TargetAddress
    let wire: WireProtocol
    let tls: Bool
    let auth: String?
    /// Setups (connect + handshake + AUTH) allowed in flight at once: opening thousands of
    /// sockets in one burst would overflow the server's accept backlog and measure SYN retries.
    let window: Int
    /// IPv4 source addresses to spread connections over (127.0.0.2...); 0 = the kernel's choice.
    let sources: Int
    let seed: UInt64
}

/// The connections of one worker thread and their epoll instance.
final class ConnectionPool {
    let plan: ConnectionPlan
    let encoder: RequestEncoder
    let poller: Poller
    private let tlsContext: TLSClientContext?
    private(set) var connections: [ClientConnection] = []
    /// Reply bytes are read here first; each connection keeps only an incomplete tail.
    let scratch: UnsafeMutableRawBufferPointer
    /// Monotonic ns: setup start, and the last TCP connect / full setup to complete.
    private(set) var setupStartedAt: Int64 = 0
    private(set) var lastConnectedAt: Int64 = 0
    private(set) var lastReadyAt: Int64 = 0

    init(plan: ConnectionPlan, encoder: RequestEncoder) throws {
        self.plan = plan
        self.encoder = encoder
        self.poller = try Poller()
        self.tlsContext = plan.tls ? try TLSClientContext() : nil
        self.scratch = .allocate(byteCount: 256 * 1024, alignment: 16)
    }

    deinit {
        closeAll()
        scratch.deallocate()
    }

    /// Opens `count` more connections and drives them until all are ready; the first failure
    /// (or the deadline) ends setup and is returned.
    func open(count: Int, firstIndex: Int, deadline: Int64) -> String? {
        setupStartedAt = Clock.monotonicNanoseconds()
        let base = connections.count
        var opened = 0
        var ready = 0
        while ready < count {
            while opened < count, opened - ready < plan.window {
                let index = base + opened
                let socket: (fd: FileDescriptor, connected: Bool)
                do {
                    socket = try ClientSocket.open(plan.target, sequence: firstIndex + opened, sources: plan.sources)
                } catch {
                    return "connection \(firstIndex + opened): socket/connect to \(plan.target): \(error)"
                        + (error == .tooManyOpenFiles ? " (the client's file descriptor limit is reached)" : "")
                }
                let connection = ClientConnection(
                    index: index, fd: socket.fd, connected: socket.connected, wire: plan.wire,
                    seed: plan.seed &+ UInt64(firstIndex + opened) &* 0x9E37_79B9)
                connections.append(connection)
                opened += 1
                let interest = Poller.readable | (socket.connected ? 0 : Poller.writable)
                do {
                    try poller.add(socket.fd, token: index, events: interest)
                } catch {
                    return "epoll_ctl: \(error)"
                }
                if socket.connected {
                    switch step(connection) {
                    case .ready: ready += 1
                    case .failed(let reason): return reason
                    case .waiting: break
                    }
                }
            }
            if ready == count { break }
            if Clock.monotonicNanoseconds() > deadline {
                return "connection setup timed out: \(ready) of \(count) ready, \(opened) opened"
            }
            var failure: String?
            do {
                try poller.wait(timeoutMs: 10) { token, events in
                    guard failure == nil else { return }
                    let connection = connections[token]
                    if connection.phase == .ready {
                        failure = checkIdle(connection, events)
                        return
                    }
                    switch step(connection) {
                    case .ready: ready += 1
                    case .failed(let reason): failure = reason
                    case .waiting: break
                    }
                }
            } catch {
                return "epoll_wait: \(error)"
            }
            if let failure { return failure }
        }
        return nil
    }

    private func step(_ connection: ClientConnection) -> ClientConnection.SetupProgress {
        let now = Clock.monotonicNanoseconds()
        let progress = connection.advanceSetup(
            tls: tlsContext, auth: plan.auth, encoder: encoder, scratch: scratch, now: now)
        switch progress {
        case .ready:
            lastConnectedAt = max(lastConnectedAt, connection.connectedAt)
            lastReadyAt = max(lastReadyAt, now)
            updateInterest(connection)
        case .waiting:
            if connection.phase != .connecting { lastConnectedAt = max(lastConnectedAt, connection.connectedAt) }
            updateInterest(connection)
        case .failed:
            break
        }
        return progress
    }

    /// An event on a connection with nothing outstanding: the server closed it, or sent
    /// something unasked. Returns the failure, or nil if there was nothing to read after all.
    func checkIdle(_ connection: ClientConnection, _ events: UInt32) -> String? {
        var unexpected: String?
        let outcome = connection.read(into: scratch) { completion in
            unexpected = "connection \(connection.index): unexpected reply for request \(completion.request.id)"
        }
        switch outcome {
        case .open:
            return unexpected
        case .closed:
            connection.close()
            return "connection \(connection.index): closed by the server while idle"
        case .failed(let reason):
            connection.close()
            return "connection \(connection.index): \(reason)"
        }
    }

    /// Registers or drops write interest to match what the connection needs.
    func updateInterest(_ connection: ClientConnection) {
        guard connection.phase != .closed, connection.wantsWrite != connection.registeredWrite else { return }
        let interest = Poller.readable | (connection.wantsWrite ? Poller.writable : 0)
        if (try? poller.modify(connection.fd, token: connection.index, events: interest)) != nil {
            connection.registeredWrite = connection.wantsWrite
        }
    }

    /// Sends one `operation` on `connection` and waits for its reply (p=1), until `deadline`.
    /// Events on the other connections meanwhile go to `other`.
    func roundTrip(
        _ connection: ClientConnection, _ operation: Operation, deadline: Int64,
        other: (ClientConnection, UInt32) -> Void
    ) -> Result<(Completion, latency: Int64), LoadgenError> {
        let sent = Clock.monotonicNanoseconds()
        connection.queue(operation, key: 0, timestamp: 0, encoder: encoder, now: sent)
        var answer: (Completion, latency: Int64)?
        var failure: String?
        if case .failed(let reason) = connection.flush() { failure = reason }
        updateInterest(connection)
        while answer == nil, failure == nil {
            if Clock.monotonicNanoseconds() > deadline {
                failure = "\(operation.name) got no reply before the deadline"
                break
            }
            do {
                try poller.wait(timeoutMs: 10) { token, events in
                    let target = connections[token]
                    guard target === connection else { return other(target, events) }
                    let outcome = connection.read(into: scratch) { completion in
                        answer = (completion, Clock.monotonicNanoseconds() - completion.request.sentAt)
                    }
                    switch outcome {
                    case .open: break
                    case .closed: failure = "the server closed the connection"
                    case .failed(let reason): failure = reason
                    }
                    if case .failed(let reason) = connection.flush() { failure = reason }
                    updateInterest(connection)
                }
            } catch {
                failure = "epoll_wait: \(error)"
            }
        }
        if let answer { return .success(answer) }
        return .failure(LoadgenError(description: failure ?? "no reply"))
    }

    /// Closes every connection (TLS sessions send close_notify first).
    func closeAll() {
        for connection in connections { connection.close() }
    }
}
