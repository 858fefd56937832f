import KairosSystem
import Synchronization

/// The shape of a load run, shared by every worker.
struct LoadSettings: Sendable {
    let plan: ConnectionPlan
    let connections: Int
    let pipeline: Int
    let threads: Int
    let warmup: Int64
    let duration: Int64
    /// Hard limit for the whole load phase (setup excluded), in ns from its start.
    let deadline: Int64
    let setupTimeout: Int64
    let mix: Mix
    let keys: Int
    let keyPrefix: String
    let dueTime: DueTime
    /// Requests per second for the whole client; 0 = as fast as the replies come back.
    let rate: Double
    /// When set, SET each key 0..<fill exactly once and stop (no warm-up, no duration).
    let fill: Int?
    let preludes: [String]
    /// The server's PID: its CPU time is sampled at the edges of the measured window.
    let serverPID: Int?
}

/// What the workers share: a start barrier, the fill cursor, an abort flag, CPU snapshots.
final class SharedRun: Sendable {
    let ready = Atomic<Int>(0)
    /// Monotonic ns at which the load starts; 0 until every worker is set up.
    let startAt = Atomic<Int64>(0)
    let abort = Atomic<Bool>(false)
    let fillNext = Atomic<Int>(0)
    let fillDone = Atomic<Int>(0)
}

/// One thread's share of the connections, driven by its own epoll loop.
final class LoadWorker: @unchecked Sendable {
    // Safety: a worker is used by exactly one thread while it runs; the main thread reads its
    // results only after joining that thread.

    let number: Int
    let settings: LoadSettings
    let shared: SharedRun
    private let pool: ConnectionPool
    private let connectionCount: Int
    private let firstIndex: Int
    private(set) var recorder = Recorder()
    private(set) var failure: String?
    /// Whether the load itself started (a failure before that is a setup failure, not a
    /// failed reply check).
    private(set) var loadStarted = false
    private(set) var setupNanoseconds: Int64 = 0
    private(set) var loadStartedAt: Int64 = 0
    private(set) var measureStartedAt: Int64 = 0
    private(set) var finishedAt: Int64 = 0
    /// Process CPU time at the start and end of the measured window (worker 0 only).
    private(set) var cpuAtMeasureStart: Int64 = 0
    private(set) var cpuAtMeasureEnd: Int64 = 0
    /// The server's CPU time at the same two instants (worker 0 only, with `--server-pid`).
    private(set) var serverAtMeasureStart: ServerCPU?
    private(set) var serverAtMeasureEnd: ServerCPU?
    private var issued: UInt64 = 0
    private var startWall: Int64 = 0

    init(number: Int, settings: LoadSettings, shared: SharedRun) throws {
        self.number = number
        self.settings = settings
        self.shared = shared
        let share = settings.connections / settings.threads
        let extra = settings.connections % settings.threads
        connectionCount = share + (number < extra ? 1 : 0)
        firstIndex = number * share + min(number, extra)
        let encoder = RequestEncoder(wire: settings.plan.wire, keyPrefix: settings.keyPrefix, keys: settings.keys)
        pool = try ConnectionPool(plan: settings.plan, encoder: encoder)
    }

    /// Sets up, waits for the other workers, runs the load, drains, closes. Never throws:
    /// the outcome is in `failure` and the recorder.
    func run() {
        defer {
            pool.closeAll()
            finishedAt = Clock.monotonicNanoseconds()
        }
        let setupStart = Clock.monotonicNanoseconds()
        if let reason = pool.open(count: connectionCount, firstIndex: firstIndex, deadline: setupStart + settings.setupTimeout) {
            return stop(reason)
        }
        setupNanoseconds = Clock.monotonicNanoseconds() - setupStart
        if number == 0, !settings.preludes.isEmpty, let reason = runPreludes() { return stop(reason) }
        guard let start = awaitStart() else { return }
        loadStartedAt = start
        loadStarted = true
        startWall = Clock.wallNanoseconds()
        loop(start: start)
    }

    private func stop(_ reason: String) {
        if failure == nil { failure = reason }
        shared.abort.store(true, ordering: .relaxed)
    }

    // MARK: phases

    /// Sends the `--prelude` lines on the first connection and waits for their `OK`s.
    private func runPreludes() -> String? {
        guard let connection = pool.connections.first else { return nil }
        let now = Clock.monotonicNanoseconds()
        for line in settings.preludes { connection.queuePrelude(line, encoder: pool.encoder, now: now) }
        let deadline = now + settings.setupTimeout
        var failed: String?
        connection.flush()
        pool.updateInterest(connection)
        while connection.outstanding > 0, failed == nil {
            if Clock.monotonicNanoseconds() > deadline { return "prelude: no reply before the deadline" }
            do {
                try pool.poller.wait(timeoutMs: 10) { token, _ in
                    let target = pool.connections[token]
                    if target !== connection {
                        failed = pool.checkIdle(target, 0)
                        return
                    }
                    let outcome = connection.read(into: pool.scratch) { completion in
                        if completion.outcome != .ok { failed = "prelude request \(completion.request.id) got ERROR" }
                    }
                    if case .failed(let reason) = outcome { failed = reason }
                    if case .closed = outcome { failed = "prelude: the server closed the connection" }
                    connection.flush()
                    pool.updateInterest(connection)
                }
            } catch {
                return "epoll_wait: \(error)"
            }
        }
        return failed
    }

    /// The start barrier: the last worker to be ready sets the common start time.
    private func awaitStart() -> Int64? {
        if shared.ready.add(1, ordering: .acquiringAndReleasing).newValue == settings.threads {
            shared.startAt.store(Clock.monotonicNanoseconds(), ordering: .releasing)
        }
        let deadline = Clock.monotonicNanoseconds() + settings.setupTimeout
        while true {
            let start = shared.startAt.load(ordering: .acquiring)
            if start != 0 { return start }
            if shared.abort.load(ordering: .relaxed) { return nil }
            if Clock.monotonicNanoseconds() > deadline {
                stop("the other worker did not finish its setup in time")
                return nil
            }
            try? pool.poller.pause(milliseconds: 1)
        }
    }

    private func loop(start: Int64) {
        let filling = settings.fill != nil
        let measureStart = filling ? start : start + settings.warmup
        let measureEnd = filling ? Int64.max : measureStart + settings.duration
        let hardDeadline = start + settings.deadline
        measureStartedAt = measureStart
        if number == 0, filling { markMeasureStart() }
        var now = start
        for connection in pool.connections { refill(connection, now: now, measureEnd: measureEnd) }
        while true {
            if number == 0, cpuAtMeasureStart == 0, now >= measureStart { markMeasureStart() }
            if number == 0, cpuAtMeasureEnd == 0, now >= measureEnd { markMeasureEnd() }
            let issuing = filling ? !fillExhausted : now < measureEnd
            if !issuing, totalOutstanding == 0 { break }
            if shared.abort.load(ordering: .relaxed) { return stop("another worker failed") }
            if now >= hardDeadline {
                return stop("hard deadline reached with \(totalOutstanding) request(s) still unanswered")
            }
            let rateLimited = settings.rate > 0
            let untilEnd = issuing && !filling ? (measureEnd - now) / 1_000_000 + 1 : 50
            let timeout = rateLimited ? 1 : Int(min(untilEnd, 50))
            var failed: String?
            do {
                try pool.poller.wait(timeoutMs: timeout) { token, _ in
                    guard failed == nil else { return }
                    failed = service(pool.connections[token], measureStart: measureStart, measureEnd: measureEnd)
                }
            } catch {
                return stop("epoll_wait: \(error)")
            }
            if let failed { return stop(failed) }
            now = Clock.monotonicNanoseconds()
            if rateLimited {
                for connection in pool.connections { refill(connection, now: now, measureEnd: measureEnd) }
            }
        }
        if number == 0, filling { markMeasureEnd() }
    }

    private func markMeasureStart() {
        serverAtMeasureStart = settings.serverPID.flatMap { ServerCPU.sample(pid: $0) }
        cpuAtMeasureStart = Clock.processCPUNanoseconds()
    }

    private func markMeasureEnd() {
        cpuAtMeasureEnd = Clock.processCPUNanoseconds()
        serverAtMeasureEnd = settings.serverPID.flatMap { ServerCPU.sample(pid: $0) }
    }

    /// Reads replies on a ready connection, records them, tops the pipeline up, writes.
    private func service(_ connection: ClientConnection, measureStart: Int64, measureEnd: Int64) -> String? {
        let now = Clock.monotonicNanoseconds()
        let outcome = connection.read(into: pool.scratch) { completion in
            guard let operation = completion.request.operation else { return }
            let sent = completion.request.sentAt
            let measured = sent >= measureStart && sent < measureEnd
            recorder.record(completion, operation: operation, latency: now - sent, measured: measured)
            if settings.fill != nil, operation == .set { shared.fillDone.add(1, ordering: .relaxed) }
        }
        switch outcome {
        case .open:
            break
        case .closed:
            connection.close()
            return "connection \(connection.index): closed by the server with \(connection.outstanding) request(s) unanswered"
        case .failed(let reason):
            connection.close()
            return "connection \(connection.index): \(reason)"
        }
        refill(connection, now: now, measureEnd: measureEnd)
        if case .failed(let reason) = connection.flush() { return "connection \(connection.index): \(reason)" }
        pool.updateInterest(connection)
        return nil
    }

    private var fillExhausted: Bool {
        guard let fill = settings.fill else { return false }
        return shared.fillNext.load(ordering: .relaxed) >= fill
    }

    private var totalOutstanding: Int {
        pool.connections.reduce(0) { $0 + ($1.phase == .closed ? 0 : $1.outstanding) }
    }

    /// Queues requests until the connection has `pipeline` outstanding (or the rate budget,
    /// the fill range or the measured window says stop), then writes them in one go.
    private func refill(_ connection: ClientConnection, now: Int64, measureEnd: Int64) {
        guard connection.phase == .ready else { return }
        var budget = connection.outstanding < settings.pipeline ? settings.pipeline - connection.outstanding : 0
        if settings.rate > 0 {
            let perWorker = settings.rate / Double(settings.threads)
            let allowed = UInt64(perWorker * Double(max(0, now - loadStartedAt)) / 1e9) + 1
            budget = min(budget, allowed > issued ? Int(allowed - issued) : 0)
        }
        guard budget > 0 else { return }
        // `now` was read when the connection became readable, before its replies were read and
        // recorded: a fresh reading keeps that client-side work out of the next request's latency.
        let sentAt = Clock.monotonicNanoseconds()
        let nowWall = settings.dueTime.needsWallClock ? Clock.wallNanoseconds() : startWall
        let timestamp = settings.dueTime.timestamp(startWall: startWall, nowWall: nowWall)
        var queued = 0
        while queued < budget {
            let operation: Operation
            let key: Int
            if let fill = settings.fill {
                key = shared.fillNext.add(1, ordering: .relaxed).oldValue
                guard key < fill else { break }
                operation = .set
            } else {
                guard now < measureEnd else { break }
                operation = settings.mix.pick(connection.random.next())
                key = Int(connection.random.next() % UInt64(settings.keys))
            }
            connection.queue(operation, key: key, timestamp: timestamp, encoder: pool.encoder, now: sentAt)
            queued += 1
        }
        issued += UInt64(queued)
        if queued > 0 {
            connection.flush()
            pool.updateInterest(connection)
        }
    }
}

extension DueTime {
    /// Only relative due times need a wall-clock read per batch.
    var needsWallClock: Bool {
        if case .after = self { return true }
        return false
    }
}
