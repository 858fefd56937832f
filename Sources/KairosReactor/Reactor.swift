import CKairos
import Glibc
import KairosHTTP
import KairosMetrics
import KairosProtocol
import KairosSync
import KairosSystem
import Logging
import Synchronization

/// The epoll event loop that owns every client socket (ARCHITECTURE: reactor thread).
///
/// It accepts, reads, frames and parses requests, hands them to the core on an SPSC ring, and
/// writes the core's answers back in request order. It never touches job state.
public final class Reactor: @unchecked Sendable {
    // Safety: everything but `stopRequested` and `doorbell` is confined to the thread in `run()`.

    /// The core rings this after pushing responses.
    public let doorbell: Doorbell
    public let address: SocketAddress
    /// The HTTP API's bound address, when it listens (D-http-auth, D-http-api).
    public let httpAddress: SocketAddress?

    let config: ReactorConfig
    let requests: SPSCRing<RequestEnvelope>
    let responses: SPSCRing<ResponseEnvelope>
    let coreDoorbell: Doorbell
    /// Recycled arrays: the parser fills spent request arrays, consumed answers go back.
    let buffers: BufferExchange
    let stats: ServerStats
    let logger: Logger
    /// Bearer checks for the HTTP API, against the same secrets as AUTH (D-http-auth).
    let httpAuth: HTTPAuth
    /// `/metrics` and the reactor's event counters; nil in tests that do not need them.
    let metrics: MetricsExporter?
    private let stopRequested = Atomic<Bool>(false)

    let epoll: Epoll
    var listener: Listener?
    /// The HTTP API's listener: same loop, same limits, same ring to the core (D-http-auth).
    var httpListener: Listener?
    /// A descriptor kept in reserve so that EMFILE can be answered by accepting and closing (no spin).
    var spareDescriptor: FileDescriptor?
    /// Set while the listener's interest is off after an accept error (no busy loop on ENOBUFS,
    /// ENOMEM or an EMFILE that cannot be shed): when to watch it again.
    var listenerPausedUntil: Int64?
    /// Accepts left in this turn (`acceptsPerTurn` at the start of each).
    var acceptBudget = 0
    /// TLS handshake steps left in this turn (`handshakeStepsPerTurn` at the start of each).
    var handshakeBudget = 0
    /// Connections refused over `maxConnections`, reported in rate-limited log lines.
    var refusedLog = RateLimitedCount(intervalNs: 10_000_000_000)
    /// Accept failures (descriptor exhaustion, kernel memory), reported the same way.
    var acceptFailureLog = RateLimitedCount(intervalNs: 10_000_000_000)
    var slots: [Connection?] = []
    var generations: [UInt32] = []
    var freeSlots: [UInt32] = []
    var liveConnections = 0
    /// Requests sent to the core and not yet answered, over all connections. Kept at most the
    /// ring capacity, so neither ring can overflow.
    var globalInFlight = 0
    let globalInFlightLimit: Int
    var stalled: [Connection] = []
    /// `stalled` being worked through by `resumeStalled`.
    var resuming: [Connection] = []
    var dirty: [Connection] = []
    /// `dirty` being worked through by `flushDirty`.
    var flushing: [Connection] = []
    var tokens = TokenList()
    let scratch: UnsafeMutableRawBufferPointer
    /// TLS: where each session decrypts a record (one TLS record), shared by all sessions.
    let tlsChunk: UnsafeMutableRawBufferPointer
    /// TLS: the plaintext of one read, parsed from here like a plaintext read.
    var tlsPlaintext: [UInt8] = []
    var handshakeDeadlines = DeadlineQueue()
    var authDeadlines = DeadlineQueue()
    var stopDeadline: Int64?
    /// Requests were pushed since the core was last told: it is woken once per batch, not per request.
    var requestsPushed = false
    /// Tells the core when a connection whose listings it paused has drained or closed (D-limits).
    public let outputNotices = SPSCRing<OutputNotice>(capacity: 4096)
    /// Notices that found `outputNotices` full; sent again on every loop iteration.
    var unsentNotices: [OutputNotice] = []

    static let spinMaxInFlight = 8
    /// Bounds the work one connect storm adds to a turn (D-limits); the rest wait in the backlog.
    static let acceptsPerTurn = 64
    static let handshakeStepsPerTurn = 8
    static let listenerToken = UInt64.max
    static let doorbellToken = UInt64.max - 1
    static let httpListenerToken = UInt64.max - 2

    public init(
        listener: Listener, httpListener: Listener? = nil, config: ReactorConfig,
        requests: SPSCRing<RequestEnvelope>, responses: SPSCRing<ResponseEnvelope>,
        buffers: BufferExchange, coreDoorbell: Doorbell, stats: ServerStats, logger: Logger,
        metrics: MetricsExporter? = nil
    ) throws(Errno) {
        self.listener = listener
        self.address = listener.address
        self.httpListener = httpListener
        self.httpAddress = httpListener?.address
        self.config = config
        self.requests = requests
        self.responses = responses
        self.coreDoorbell = coreDoorbell
        self.buffers = buffers
        self.stats = stats
        self.logger = logger
        self.metrics = metrics
        if let verifier = config.auth {
            httpAuth = .required(verify: { secret in
                secret.withUnsafeBytes { verifier.verify($0)?.namespace }
            })
        } else {
            httpAuth = .disabled
        }
        self.doorbell = try Doorbell()
        self.epoll = try Epoll()
        self.globalInFlightLimit = min(requests.capacity, responses.capacity)
        self.scratch = .allocate(byteCount: 64 * 1024, alignment: 16)
        self.tlsChunk = .allocate(byteCount: TLSSession.recordSize, alignment: 16)
        try epoll.add(listener.descriptor, events: Epoll.readable, data: Self.listenerToken)
        try epoll.add(doorbell.descriptor, events: Epoll.readable, data: Self.doorbellToken)
        if let httpListener { try epoll.add(httpListener.descriptor, events: Epoll.readable, data: Self.httpListenerToken) }
        spareDescriptor = try? FileDescriptor.open("/dev/null", flags: O_RDONLY)
    }

    deinit {
        scratch.deallocate()
        tlsChunk.deallocate()
        spareDescriptor?.close()
        listener?.descriptor.close()
        httpListener?.descriptor.close()
        for case let connection? in slots { connection.descriptor.close() }
    }

    /// Thread-safe: stop accepting, answer what was received, then return from `run()` (D-shutdown).
    public func requestStop() {
        stopRequested.store(true, ordering: .sequentiallyConsistent)
        doorbell.ringUnconditionally()
    }

    /// Runs the loop on the calling thread until a requested stop has drained.
    public func run() {
        while turn() {}
        for case let connection? in slots { close(connection) }
    }

    /// One loop iteration: wait for events (at most `maxWaitMs` when given, so tests can drive the
    /// loop from their own thread), handle them, move answers out and requests on. Returns false
    /// once a requested stop has drained.
    package func turn(maxWaitMs: Int32? = nil) -> Bool {
        if stopRequested.load(ordering: .relaxed), stopDeadline == nil { beginStop() }
        if let deadline = stopDeadline, liveConnections == 0 || Clock.monotonicNanoseconds() >= deadline {
            return false
        }
        if globalInFlight > 0, globalInFlight <= Self.spinMaxInFlight, responses.isEmpty {
            // A few answers are on their way: a short spin beats a wake-up. Under heavy load
            // (many in flight) the loop has other work and spinning would only steal CPU.
            _ = SpinWait.until(nanoseconds: config.spinNanoseconds) { !responses.isEmpty }
        }
        doorbell.arm()
        let busy = !responses.isEmpty
        var timeout: Int32 = busy ? 0 : waitTimeoutMs()
        if let maxWaitMs, timeout < 0 || timeout > maxWaitMs { timeout = maxWaitMs }
        // Fresh budgets each turn: a connect storm gets a bounded share of every iteration.
        acceptBudget = Self.acceptsPerTurn
        handshakeBudget = Self.handshakeStepsPerTurn
        do {
            try epoll.wait(timeoutMs: timeout) { events, data in dispatch(events: events, data: data) }
        } catch {
            logger.error("reactor: epoll_wait failed: \(error)")
        }
        doorbell.disarmWithoutReading()
        wakeCore()
        drainResponses()
        flushDirty()
        resumeStalled()
        resendNotices()
        wakeCore()
        expireDeadlines()
        return true
    }

    /// Rings the core's doorbell once for everything pushed since the last call, so the core
    /// wakes to a whole read batch instead of to its first request.
    private func wakeCore() {
        guard requestsPushed else { return }
        requestsPushed = false
        coreDoorbell.ring()
    }

    // MARK: - Events

    private func dispatch(events: UInt32, data: UInt64) {
        switch data {
        case Self.listenerToken:
            acceptAll(http: false)
        case Self.httpListenerToken:
            acceptAll(http: true)
        case Self.doorbellToken:
            doorbell.acknowledge()
        default:
            guard let connection = connection(for: data) else { return }
            if events & (Epoll.readable | Epoll.hangup) != 0 {
                if connection.lifecycle.isHandshaking {
                    // Handshake steps cost public-key operations: past this turn's budget they
                    // wait for the next turn (epoll is level-triggered, nothing is lost), so a
                    // handshake storm cannot starve established clients.
                    guard handshakeBudget > 0 else { return }
                    handshakeBudget -= 1
                }
                if connection.interest & Epoll.readable != 0 {
                    handleReadable(connection)
                } else if events & Epoll.hangup != 0 {
                    close(connection)
                }
            }
            if events & Epoll.writable != 0, isOpen(connection) {
                flush(connection)
                // Output going down may unblock buffered requests, and the last bytes leaving
                // may finish a drain: both are decided by `pump` (half-closed clients, D-connections).
                if isOpen(connection) { pump(connection) }
            }
        }
    }

    private func connection(for data: UInt64) -> Connection? {
        let slot = Int(data >> 32)
        guard slot < slots.count, let connection = slots[slot],
            connection.tag.generation == UInt32(truncatingIfNeeded: data)
        else { return nil }
        return connection
    }

    static func token(_ tag: ClientTag) -> UInt64 { UInt64(tag.slot) << 32 | UInt64(tag.generation) }

    /// Closes at once; answers still in flight are dropped when they arrive (generation check).
    func close(_ connection: Connection) {
        guard slots[Int(connection.tag.slot)] === connection else { return }
        if connection.drainNoticeWanted { notifyCore(OutputNotice(client: connection.tag, closed: true)) }
        _ = connection.lifecycle.failed()
        sendFinalTLSRecords(connection)
        connection.tls = nil
        epoll.remove(connection.descriptor)
        connection.descriptor.close()
        slots[Int(connection.tag.slot)] = nil
        freeSlots.append(connection.tag.slot)
        liveConnections -= 1
        stats.connections.subtract(1, ordering: .relaxed)
        connection.input = []
        connection.output = []
        connection.plaintextOutput = []
        connection.plaintextStart = 0
        logger.debug("client disconnected: \(connection.peer?.description ?? "unknown")")
    }

    func isOpen(_ connection: Connection) -> Bool { slots[Int(connection.tag.slot)] === connection }

    // MARK: - Timers

    private func waitTimeoutMs() -> Int32 {
        var next: Int64? = handshakeDeadlines.nextDeadline
        if let auth = authDeadlines.nextDeadline { next = min(next ?? auth, auth) }
        if let stop = stopDeadline { next = min(next ?? stop, stop) }
        if let resume = listenerPausedUntil { next = min(next ?? resume, resume) }
        guard let next else { return -1 }
        let remaining = next - Clock.monotonicNanoseconds()
        if remaining <= 0 { return 0 }
        return Int32(clamping: (remaining + 999_999) / 1_000_000)
    }

    private func expireDeadlines() {
        if let resume = listenerPausedUntil, Clock.monotonicNanoseconds() >= resume { resumeListener() }
        guard handshakeDeadlines.nextDeadline != nil || authDeadlines.nextDeadline != nil else { return }
        let now = Clock.monotonicNanoseconds()
        let expire: (ClientTag) -> Void = { tag in
            guard Int(tag.slot) < self.slots.count, let connection = self.slots[Int(tag.slot)],
                connection.tag == tag
            else { return }
            if connection.lifecycle.deadlinePassed(now: now) == .close {
                self.metrics?.countDrop(.deadline)
                self.close(connection)
            } else if let deadline = connection.http.requestDeadline, now >= deadline {
                // An HTTP request left incomplete past the AUTH deadline (D-http-api).
                self.metrics?.countDrop(.deadline)
                self.close(connection)
            }
        }
        handshakeDeadlines.popExpired(now: now, expire)
        authDeadlines.popExpired(now: now, expire)
    }

    // MARK: - Stop (D-shutdown)

    private func beginStop() {
        stopDeadline = Clock.monotonicNanoseconds() + Int64(config.drainTimeoutMs) * 1_000_000
        listenerPausedUntil = nil
        if let listener {
            epoll.remove(listener.descriptor)
            listener.descriptor.close()
            self.listener = nil
        }
        if let httpListener {
            epoll.remove(httpListener.descriptor)
            httpListener.descriptor.close()
            self.httpListener = nil
        }
        for case let connection? in slots {
            if connection.lifecycle.inputEnded() == .close {
                close(connection)
            } else {
                pump(connection)
            }
        }
    }
}
