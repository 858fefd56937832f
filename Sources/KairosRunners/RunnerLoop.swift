import CKairos
import Glibc
import KairosProtocol
import KairosSync
import KairosSystem
import Logging
import Synchronization

/// The runner thread: receives executions, starts at most `concurrency` runs (children and
/// network calls together), watches pidfds and network sockets in one epoll set, ends those
/// past their deadline, and sends outcomes back.
final class RunnerLoop: @unchecked Sendable {
    // Members are internal rather than private: the child-process half lives in
    // RunnerLoop+Children.swift.
    // Safety: the pool creates this object, then only the runner thread touches its mutable
    // state until it exits; the pool reads `leftovers` only after joining that thread.

    let config: RunnerConfig
    let stats: ServerStats
    let logger: Logger
    let submissions: SPSCRing<Execution>
    let outcomes: SPSCRing<ExecutionOutcome>
    let doorbell: Doorbell
    let outcomeDoorbell: Doorbell
    let stop: StopRequest
    let poller: Epoll
    let concurrency: Int
    let timeoutNs: Int64
    let awfProgram: Bytes
    let spawner: Spawner
    let environment = RunEnvironment.current()

    var lifecycle = RunnerLifecycle()
    var waiting = FIFOQueue<QueuedRun>()
    var children = ChildTable()
    /// http, redis and amqp runs (D-network-runners); made after `poller`, which they register with.
    var network: NetworkRuns!
    /// Set while starts wait out a resource shortage (D-limits).
    var backoff = SpawnBackoff()
    /// Deadlines in start order. Every run gets the same timeout, so this order is also
    /// deadline order; entries of reaped children are skipped when they reach the front.
    var deadlines = FIFOQueue<(at: Int64, child: ChildToken)>()
    /// Outcomes the outcome ring had no room for, oldest first. Never dropped.
    var backlog = FIFOQueue<ExecutionOutcome>()
    /// Finished runs by runner kind and outcome (`kairos_executions_total`): plain counts,
    /// published once per loop turn by `flushOutcomes`.
    var finishedCounts: BatchedCounters
    /// Outcomes still undelivered when the thread exited; read after the join.
    private(set) var leftovers: [ExecutionOutcome] = []
    /// Every run ends with a log line; the lines of one loop turn go out in one write instead of
    /// one each (at tens of thousands of runs a second, a write per line cost more than the run).
    let logBatch = LogBatch()

    /// When outcomes wait for room in the ring, the loop retries this often: the core frees
    /// room without telling the runner thread.
    static let backlogRetryMs: Int32 = 2
    /// Outcomes pushed to the ring that the core was not yet rung for, and since when (monotonic ns).
    var unsignaled: (count: Int, since: Int64) = (0, 0)
    static let outcomeBatch = 64
    static let outcomeDelayNs: Int64 = 1_000_000

    init(
        config: RunnerConfig, stats: ServerStats, logger: Logger, submissions: SPSCRing<Execution>,
        outcomes: SPSCRing<ExecutionOutcome>, doorbell: Doorbell, outcomeDoorbell: Doorbell, stop: StopRequest,
        awfProgram: Bytes, spawner: @escaping Spawner, networkFactory: NetworkClientFactory = .standard
    ) throws(Errno) {
        self.awfProgram = awfProgram
        self.spawner = spawner
        self.config = config
        self.stats = stats
        finishedCounts = BatchedCounters(publishingTo: stats.executionsFinished)
        self.logger = logger
        self.submissions = submissions
        self.outcomes = outcomes
        self.doorbell = doorbell
        self.outcomeDoorbell = outcomeDoorbell
        self.stop = stop
        self.concurrency = max(1, config.concurrency)
        self.timeoutNs = config.timeoutMs > 0 ? Int64(config.timeoutMs) * 1_000_000 : 0
        poller = try Epoll(maxEvents: 64)
        try poller.add(doorbell.descriptor, events: Epoll.readable, data: PollTarget.doorbell.token)
        network = NetworkRuns(
            factory: networkFactory, config: config, logger: logger, timeoutNs: timeoutNs,
            makeRegistrar: { [unowned self] client in
                PollRegistrar(
                    client: client,
                    add: { fd, events, data throws(Errno) in try self.poller.add(fd, events: events, data: data) },
                    modify: { fd, events, data throws(Errno) in try self.poller.modify(fd, events: events, data: data) },
                    remove: { fd in self.poller.remove(fd) })
            })
    }

    /// Children and network calls running.
    var running: Int { children.count + network.count }

    // MARK: loop

    /// The thread body; returns once a stop was requested and every child is gone.
    func run() {
        // The server takes SIGINT/SIGTERM/SIGHUP/SIGUSR1 through a signalfd; a thread that
        // left them unblocked would receive them instead and die of the default action.
        let signals: [CInt] = [SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2]
        _ = ckairos_pthread_sigmask_block(signals, CInt(signals.count))
        while true {
            let finished = logBatch.collect { () -> Bool in
                doorbell.disarm()
                var now = Clock.monotonicNanoseconds()
                if lifecycle.acceptsWork, let graceMs = stop.graceMs { beginShutdown(now: now, graceMs: graceMs) }
                receiveSubmissions()
                startWaiting()
                now = Clock.monotonicNanoseconds()
                switch lifecycle.advance(now: now, running: running) {
                case .none: break
                case .killAll:
                    killAll(.shutdown)
                    network.cancelAll(because: "the server stopped before it ended")
                case .abandonAll: abandonAll()
                }
                collectNetworkResults()
                flushOutcomes()
                publishStats()
                return lifecycle.isFinished
            }
            if finished { break }

            doorbell.arm()
            // A push that happened before `arm` did not ring: look again before sleeping. If
            // there is more to do, still poll (without sleeping) so that a steady stream of
            // submissions cannot keep exited children from being reaped.
            let busy = !submissions.isEmpty || (lifecycle.acceptsWork && stop.graceMs != nil)
            // Whatever outcomes the core was not rung for go out before this thread may sleep.
            if !busy { signalOutcomes() }
            var ready: [(events: UInt32, token: UInt64)] = []
            do {
                try poller.wait(timeoutMs: busy ? 0 : waitTimeout(now: Clock.monotonicNanoseconds())) { events, token in
                    ready.append((events, token))
                }
            } catch {
                // Only EINTR (retried) can happen on a valid epoll fd with valid buffers;
                // looping on anything else would spin without ever running a job.
                preconditionFailure("runner: epoll_wait failed: \(error)")
            }
            logBatch.collect {
                for event in ready { handle(PollTarget(token: event.token), events: event.events) }
                expireDeadlines(now: Clock.monotonicNanoseconds())
                network.tick(now: Clock.monotonicNanoseconds())
            }
        }
        logBatch.collect {
            network.closeAll()
            collectNetworkResults()
            flushOutcomes()
            signalOutcomes()
            while let outcome = backlog.popFirst() { leftovers.append(outcome) }
            publishStats()
        }
    }

    func waitTimeout(now: Int64) -> Int32 {
        var nearest = lifecycle.deadline
        if let next = nextDeadline() { nearest = min(nearest ?? next, next) }
        if let next = network.nextWakeup { nearest = min(nearest ?? next, next) }
        if !waiting.isEmpty, let retry = backoff.retryAt { nearest = min(nearest ?? retry, retry) }
        var timeout: Int32 = -1
        if let nearest {
            // Round up: waking a little early would only cost an extra turn, but a zero
            // timeout before the deadline would spin.
            let ms = (max(0, nearest - now) + 999_999) / 1_000_000
            timeout = Int32(clamping: ms)
        }
        if !backlog.isEmpty { timeout = timeout < 0 ? Self.backlogRetryMs : min(timeout, Self.backlogRetryMs) }
        return timeout
    }

    func handle(_ target: PollTarget, events: UInt32) {
        switch target {
        case .doorbell:
            break  // the next turn disarms it and pops the ring
        case .exit(let token):
            reap(token)
        case .output(let token):
            children.update(token) { child in
                guard let pipe = child.output, child.capture.read(from: pipe) else { return }
                poller.remove(pipe)
                pipe.close()
                child.output = nil
            }
        case .network(let client, let key):
            network.handle(client: client, key: key, events: events)
        }
    }

    func publishStats() {
        stats.executionsPending.store(waiting.count, ordering: .relaxed)
        stats.executionsInflight.store(running, ordering: .relaxed)
    }

    // MARK: executions in

    func receiveSubmissions() {
        var received = 0
        var discarded = 0
        while let execution = submissions.pop() {
            received += 1
            guard lifecycle.acceptsWork else {
                discarded += 1
                continue
            }
            let work: QueuedRun.Work
            switch LaunchPlan.make(for: execution.runner, config: config, awfProgram: awfProgram) {
            case .process(let argv): work = .process(argv: argv)
            case .network(let kind): work = .network(kind, execution.runner)
            case .invalidArgument:
                let run = QueuedRun(
                    jobID: execution.jobID, generation: execution.generation, ruleID: execution.ruleID,
                    scheduledAt: execution.scheduledAt, work: .process(argv: []), runnerKind: execution.runner.kindIndex)
                finish(run, success: false, detail: "not started: an argument contains a NUL byte", durationNs: nil)
                continue
            }
            waiting.append(QueuedRun(
                jobID: execution.jobID, generation: execution.generation, ruleID: execution.ruleID,
                scheduledAt: execution.scheduledAt, work: work, runnerKind: execution.runner.kindIndex))
        }
        if discarded > 0 { logger.debug("runner: shutting down, \(discarded) executions not started") }
        // A ring found full may mean the core holds more in its overflow queue: wake it so
        // it flushes them instead of waiting for its next tick.
        if received >= submissions.capacity { outcomeDoorbell.ring() }
    }

    func beginShutdown(now: Int64, graceMs: Int) {
        lifecycle.stopRequested(now: now, graceMs: graceMs)
        if !waiting.isEmpty { logger.debug("runner: shutting down, \(waiting.count) waiting executions not started") }
        // Runs that never started get no outcome: their jobs stay triggered and, per D-outcomes-persist,
        // come back planned after a restart instead of being recorded as failed.
        waiting.removeAll()
    }

    // MARK: outcomes out

    func collectNetworkResults() {
        network.drainFinished { run in
            log(RunReport(
                jobID: run.jobID, kind: run.kind.description, success: run.result.success, detail: run.result.detail,
                ruleID: run.ruleID, durationNs: run.durationNs, latenessNs: run.latenessNs, traceParent: run.traceParent))
            emit(run.jobID, run.generation, kind: run.kind.runnerKindIndex, success: run.result.success)
        }
    }

    func emit(_ jobID: Bytes, _ generation: UInt64, kind: Int, success: Bool) {
        finishedCounts.increment(ServerStats.executionSlot(kind: kind, failed: !success))
        backlog.append(ExecutionOutcome(jobID: jobID, generation: generation, success: success))
    }

    func flushOutcomes() {
        // Counted before the outcomes leave: once the core shows a job finished, a scrape
        // counts its run.
        finishedCounts.publish()
        var pushed = 0
        while let outcome = backlog.first, outcomes.push(outcome) {
            _ = backlog.popFirst()
            pushed += 1
        }
        if pushed > 0 {
            if unsignaled.count == 0 { unsignaled.since = Clock.monotonicNanoseconds() }
            unsignaled.count += pushed
        }
        guard unsignaled.count > 0 else { return }
        // A sleeping core wakes for each ring, and at tens of thousands of runs a second a
        // wake-up per loop turn cost it more than applying the outcomes (B8). So during a burst
        // the outcomes go in batches: the core is rung once `outcomeBatch` wait, once the
        // oldest has waited `outcomeDelayNs`, or when this thread is about to sleep
        // (`signalOutcomes`), whichever comes first.
        if unsignaled.count >= Self.outcomeBatch || Clock.monotonicNanoseconds() - unsignaled.since >= Self.outcomeDelayNs {
            signalOutcomes()
        }
    }

    /// Rings the core for the outcomes pushed since it was last rung.
    func signalOutcomes() {
        guard unsignaled.count > 0 else { return }
        unsignaled.count = 0
        outcomeDoorbell.ring()
    }

    /// Job ids and arguments are bytes; logs show them as UTF-8 with replacements.
    static func text(_ bytes: Bytes) -> String { String(decoding: bytes, as: UTF8.self) }
}
