import CKairos
import Glibc
import KairosProtocol
import KairosSync
import KairosSystem
import Logging
import Synchronization

/// An execution waiting for a pool slot: a process to spawn or a network call to make.
struct QueuedRun {
    enum Work {
        case process(argv: [Bytes])
        case network(NetworkKind, RunnerSpec)
    }

    let jobID: Bytes
    let generation: UInt64
    let ruleID: Bytes
    /// The job's execution time (ns since the epoch).
    let scheduledAt: Int64
    let work: Work

    var kind: String {
        switch work {
        case .process: "process"
        case .network(let kind, _): kind.description
        }
    }
}

/// The stop request `RunnerPool.shutdown` hands to the runner thread.
final class StopRequest: Sendable {
    private let requested = Atomic<Bool>(false)
    private let grace = Atomic<Int>(0)

    func request(graceMs: Int) {
        grace.store(graceMs, ordering: .relaxed)
        requested.store(true, ordering: .releasing)
    }

    /// The grace period once a stop was requested, nil before.
    var graceMs: Int? {
        requested.load(ordering: .acquiring) ? grace.load(ordering: .relaxed) : nil
    }
}

/// The runner thread: receives executions, starts at most `concurrency` runs (children and
/// network calls together), watches pidfds and network sockets in one epoll set, ends those
/// past their deadline, and sends outcomes back.
final class RunnerLoop: @unchecked Sendable {
    // Safety: the pool creates this object, then only the runner thread touches its mutable
    // state until it exits; the pool reads `leftovers` only after joining that thread.

    private let config: RunnerConfig
    private let stats: ServerStats
    private let logger: Logger
    private let submissions: SPSCRing<Execution>
    private let outcomes: SPSCRing<ExecutionOutcome>
    private let doorbell: Doorbell
    private let outcomeDoorbell: Doorbell
    private let stop: StopRequest
    private let poller: Epoll
    private let concurrency: Int
    private let timeoutNs: Int64
    private let awfProgram: Bytes
    private let spawner: Spawner
    private let environment = RunEnvironment.current()

    private var lifecycle = RunnerLifecycle()
    private var waiting = FIFOQueue<QueuedRun>()
    private var children = ChildTable()
    /// http, redis and amqp runs (D-network-runners); made after `poller`, which they register with.
    private var network: NetworkRuns!
    /// Set while starts wait out a resource shortage (D-limits).
    private var backoff = SpawnBackoff()
    /// Deadlines in start order. Every run gets the same timeout, so this order is also
    /// deadline order; entries of reaped children are skipped when they reach the front.
    private var deadlines = FIFOQueue<(at: Int64, child: ChildToken)>()
    /// Outcomes the outcome ring had no room for, oldest first. Never dropped.
    private var backlog = FIFOQueue<ExecutionOutcome>()
    /// Outcomes still undelivered when the thread exited; read after the join.
    private(set) var leftovers: [ExecutionOutcome] = []

    /// When outcomes wait for room in the ring, the loop retries this often: the core frees
    /// room without telling the runner thread.
    private static let backlogRetryMs: Int32 = 2

    init(
        config: RunnerConfig, stats: ServerStats, logger: Logger, submissions: SPSCRing<Execution>,
        outcomes: SPSCRing<ExecutionOutcome>, doorbell: Doorbell, outcomeDoorbell: Doorbell, stop: StopRequest,
        awfProgram: Bytes, spawner: @escaping Spawner, networkFactory: NetworkClientFactory = .standard
    ) throws(Errno) {
        self.awfProgram = awfProgram
        self.spawner = spawner
        self.config = config
        self.stats = stats
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
    private var running: Int { children.count + network.count }

    // MARK: loop

    /// The thread body; returns once a stop was requested and every child is gone.
    func run() {
        // The server takes SIGINT/SIGTERM/SIGHUP/SIGUSR1 through a signalfd; a thread that
        // left them unblocked would receive them instead and die of the default action.
        let signals: [CInt] = [SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2]
        _ = ckairos_pthread_sigmask_block(signals, CInt(signals.count))
        while true {
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
            if lifecycle.isFinished { break }

            doorbell.arm()
            // A push that happened before `arm` did not ring: look again before sleeping. If
            // there is more to do, still poll (without sleeping) so that a steady stream of
            // submissions cannot keep exited children from being reaped.
            let busy = !submissions.isEmpty || (lifecycle.acceptsWork && stop.graceMs != nil)
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
            for event in ready { handle(PollTarget(token: event.token), events: event.events) }
            expireDeadlines(now: Clock.monotonicNanoseconds())
            network.tick(now: Clock.monotonicNanoseconds())
        }
        network.closeAll()
        collectNetworkResults()
        flushOutcomes()
        while let outcome = backlog.popFirst() { leftovers.append(outcome) }
        publishStats()
    }

    private func waitTimeout(now: Int64) -> Int32 {
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

    private func handle(_ target: PollTarget, events: UInt32) {
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

    private func publishStats() {
        stats.executionsPending.store(waiting.count, ordering: .relaxed)
        stats.executionsInflight.store(running, ordering: .relaxed)
    }

    // MARK: executions in

    private func receiveSubmissions() {
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
                    scheduledAt: execution.scheduledAt, work: .process(argv: []))
                finish(run, success: false, detail: "not started: an argument contains a NUL byte", durationNs: nil)
                continue
            }
            waiting.append(QueuedRun(
                jobID: execution.jobID, generation: execution.generation, ruleID: execution.ruleID,
                scheduledAt: execution.scheduledAt, work: work))
        }
        if discarded > 0 { logger.debug("runner: shutting down, \(discarded) executions not started") }
        // A ring found full may mean the core holds more in its overflow queue: wake it so
        // it flushes them instead of waiting for its next tick.
        if received >= submissions.capacity { outcomeDoorbell.ring() }
    }

    private func beginShutdown(now: Int64, graceMs: Int) {
        lifecycle.stopRequested(now: now, graceMs: graceMs)
        if !waiting.isEmpty { logger.debug("runner: shutting down, \(waiting.count) waiting executions not started") }
        // Runs that never started get no outcome: their jobs stay triggered and, per D-outcomes-persist,
        // come back planned after a restart instead of being recorded as failed.
        waiting.removeAll()
    }

    // MARK: children

    private func startWaiting() {
        while lifecycle.acceptsWork, running < concurrency,
              backoff.allowsStart(now: Clock.monotonicNanoseconds()), let run = waiting.popFirst()
        {
            start(run)
        }
    }

    private func start(_ run: QueuedRun) {
        switch run.work {
        case .process(let argv):
            spawn(run, argv: argv)
        case .network(let kind, let runner):
            network.start(
                jobID: run.jobID, generation: run.generation, ruleID: run.ruleID, kind: kind, runner: runner,
                scheduledAt: run.scheduledAt, now: Clock.monotonicNanoseconds(), latenessNs: lateness(run))
        }
    }

    private func lateness(_ run: QueuedRun) -> Int64 {
        let late = Clock.wallNanoseconds().subtractingReportingOverflow(run.scheduledAt)
        return late.overflow ? 0 : late.partialValue
    }

    private func spawn(_ run: QueuedRun, argv: [Bytes]) {
        let job = Self.text(run.jobID)
        let spawned: SpawnedChild
        do {
            spawned = try spawner(argv, environment.entries(jobID: run.jobID, ruleID: run.ruleID, scheduledAt: run.scheduledAt))
        } catch where SpawnBackoff.isTransient(error) {
            // Out of descriptors, processes or memory: nothing wrong with the run itself, so
            // it keeps its place and is tried again once the shortage may have passed.
            let delay = backoff.failed(now: Clock.monotonicNanoseconds())
            waiting.prepend(run)
            logger.warning("runner: job \(job): cannot start \(Self.text(argv[0])): \(error); retrying in \(delay / 1_000_000) ms")
            return
        } catch {
            backoff.succeeded()
            finish(run, success: false, detail: "cannot start \(Self.text(argv[0])): \(error)", durationNs: nil)
            return
        }
        backoff.succeeded()
        let child = RunningChild(
            jobID: run.jobID, generation: run.generation, ruleID: run.ruleID, pid: spawned.pid, pidfd: spawned.pidfd,
            startedAt: Clock.monotonicNanoseconds(), latenessNs: lateness(run), output: spawned.output)
        let token = children.insert(child)
        do {
            try poller.add(spawned.pidfd, events: Epoll.readable, data: PollTarget.exit(token).token)
            if let pipe = spawned.output { try poller.add(pipe, events: Epoll.readable, data: PollTarget.output(token).token) }
        } catch {
            logger.error("runner: job \(job): cannot watch pid \(spawned.pid): \(error); killing it")
            reapUnwatched(token)
            return
        }
        logger.debug("runner: job \(job) started pid \(spawned.pid)")
        if timeoutNs > 0 { deadlines.append((at: Clock.monotonicNanoseconds() + timeoutNs, child: token)) }
    }

    /// The pidfd became readable: the child exited. Reaps it and reports the outcome.
    private func reap(_ token: ChildToken) {
        guard let pid = children[token]?.pid else { return }
        var status: CInt = 0
        let exit: ChildExit?
        do {
            guard try SystemCall.run("waitpid", { ckairos_waitpid(pid, &status, CInt(WNOHANG)) }) == pid else { return }
            exit = ChildExit(waitStatus: status)
        } catch {
            // ECHILD: someone else reaped it (SIGCHLD ignored process-wide); the status is lost.
            logger.warning("runner: cannot reap pid \(pid): \(error)")
            exit = nil
        }
        guard var child = children.remove(token) else { return }
        child.pidfd.close()
        if let pipe = child.output {
            // What the child wrote before exiting is in the pipe, unless a process it started
            // still holds the write end: only what is there now is read, never waited for.
            _ = child.capture.read(from: pipe)
            poller.remove(pipe)
            pipe.close()
        }
        finish(child, exit: exit)
    }

    private func finish(_ child: RunningChild, exit: ChildExit?) {
        let how = exit.map(\.description) ?? "unknown status"
        let why = child.killed == .timeout ? " after exceeding \(config.timeoutMs) ms" : ""
        logger.debug("runner: job \(Self.text(child.jobID)) pid \(child.pid) ended: \(how)\(why)")
        let success = exit?.isSuccess ?? false
        var report = RunReport(
            jobID: child.jobID, kind: "process", success: success, detail: how + why, ruleID: child.ruleID,
            durationNs: Clock.monotonicNanoseconds() - child.startedAt, latenessNs: child.latenessNs)
        if !success { report.output = child.capture.text }
        log(report)
        emit(child.jobID, child.generation, success: success)
    }

    /// A run that ended without a child (it could not start): logged and reported failed.
    private func finish(_ run: QueuedRun, success: Bool, detail: String, durationNs: Int64?) {
        log(RunReport(
            jobID: run.jobID, kind: run.kind, success: success, detail: detail, ruleID: run.ruleID,
            durationNs: durationNs, latenessNs: lateness(run)))
        emit(run.jobID, run.generation, success: success)
    }

    private func log(_ report: RunReport) {
        if report.success { logger.info("\(report.line)") } else { logger.warning("\(report.line)") }
        config.runObserver?.runEnded(report.finishedRun)
    }

    /// A child the epoll set could not take: killed and reaped on the spot.
    private func reapUnwatched(_ token: ChildToken) {
        guard let child = children.remove(token) else { return }
        _ = ckairos_pidfd_send_signal(child.pidfd.rawValue, SIGKILL)
        _ = ckairos_kill(-child.pid, SIGKILL)
        var status: CInt = 0
        _ = try? SystemCall.run("waitpid") { ckairos_waitpid(child.pid, &status, 0) }
        child.pidfd.close()
        child.output?.close()
        log(RunReport(
            jobID: child.jobID, kind: "process", success: false, detail: "could not be watched; killed", ruleID: child.ruleID,
            durationNs: Clock.monotonicNanoseconds() - child.startedAt, latenessNs: child.latenessNs))
        emit(child.jobID, child.generation, success: false)
    }

    private func kill(_ token: ChildToken, _ reason: KillReason) {
        children.update(token) { child in
            guard child.killed == nil else { return }
            child.killed = reason
            // The pidfd reaches the child even if it left its group; the group signal reaches
            // whatever it started. The child is not reaped yet, so its pid (and group id)
            // cannot have been reused.
            _ = ckairos_pidfd_send_signal(child.pidfd.rawValue, SIGKILL)
            _ = ckairos_kill(-child.pid, SIGKILL)
        }
    }

    private func killAll(_ reason: KillReason) {
        let tokens = children.tokens
        if !tokens.isEmpty { logger.debug("runner: grace period over, killing \(tokens.count) running children") }
        for token in tokens { kill(token, reason) }
    }

    private func abandonAll() {
        for token in children.tokens {
            guard let child = children.remove(token) else { continue }
            logger.warning("runner: pid \(child.pid) (job \(Self.text(child.jobID))) did not exit after SIGKILL; abandoned")
            child.pidfd.close()
            child.output?.close()
            log(RunReport(
                jobID: child.jobID, kind: "process", success: false, detail: "did not exit after SIGKILL; abandoned",
                ruleID: child.ruleID, durationNs: Clock.monotonicNanoseconds() - child.startedAt, latenessNs: child.latenessNs))
            emit(child.jobID, child.generation, success: false)
        }
    }

    // MARK: timeouts

    /// The nearest deadline of a child still running and not yet killed.
    private func nextDeadline() -> Int64? {
        while let front = deadlines.first {
            if let child = children[front.child], child.killed == nil { return front.at }
            _ = deadlines.popFirst()
        }
        return nil
    }

    private func expireDeadlines(now: Int64) {
        while let at = nextDeadline(), at <= now, let front = deadlines.popFirst() {
            if let child = children[front.child] {
                logger.warning("runner: job \(Self.text(child.jobID)) exceeded \(config.timeoutMs) ms, killing pid \(child.pid)")
            }
            kill(front.child, .timeout)
        }
    }

    // MARK: outcomes out

    private func collectNetworkResults() {
        network.drainFinished { run in
            log(RunReport(
                jobID: run.jobID, kind: run.kind.description, success: run.result.success, detail: run.result.detail,
                ruleID: run.ruleID, durationNs: run.durationNs, latenessNs: run.latenessNs))
            emit(run.jobID, run.generation, success: run.result.success)
        }
    }

    private func emit(_ jobID: Bytes, _ generation: UInt64, success: Bool) {
        backlog.append(ExecutionOutcome(jobID: jobID, generation: generation, success: success))
    }

    private func flushOutcomes() {
        var pushed = false
        while let outcome = backlog.first, outcomes.push(outcome) {
            _ = backlog.popFirst()
            pushed = true
        }
        if pushed { outcomeDoorbell.ring() }
    }

    /// Job ids and arguments are bytes; logs show them as UTF-8 with replacements.
    static func text(_ bytes: Bytes) -> String { String(decoding: bytes, as: UTF8.self) }
}
