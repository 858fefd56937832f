import Glibc
import KairosProtocol
import KairosSync
import KairosSystem
import Logging
import Synchronization

/// The bounded execution pool (docs/protocol.md#runners-5.6, D-execution): process runners on one runner thread,
/// at most `concurrency` children at once, the rest waiting in trigger order.
///
/// The core talks to it through two SPSC rings, so command handling never waits for a run:
/// `submit` and `drainOutcomes` belong to the core thread; `start` and `shutdown` may be
/// called from any thread. STAT counters written here: `executionsPending` (executions the
/// runner thread holds while they wait for a slot) and `executionsInflight` (children running).
public final class RunnerPool: Sendable {
    private let submissions: SPSCRing<Execution>
    private let outcomes: SPSCRing<ExecutionOutcome>
    private let runnerDoorbell: Doorbell
    private let outcomeDoorbell: Doorbell
    private let stop = StopRequest()
    private let loop: RunnerLoop
    private let coreSide = CoreSide()
    private let thread = Mutex(ThreadState.notStarted)
    /// Set by `shutdown` once the thread is gone, so `submit` stops queueing.
    private let closed = Atomic<Bool>(false)
    /// Outcomes the runner thread could not push before it exited, handed over by `shutdown`.
    private let late = Mutex<[ExecutionOutcome]>([])
    private let hasLate = Atomic<Bool>(false)

    private enum ThreadState {
        case notStarted
        case running(pthread_t)
        case stopped
    }

    /// `outcomeDoorbell` is the core thread's doorbell: ring it after pushing outcomes.
    public convenience init(config: RunnerConfig, stats: ServerStats, outcomeDoorbell: Doorbell, logger: Logger) throws(Errno) {
        try self.init(config: config, stats: stats, outcomeDoorbell: outcomeDoorbell, logger: logger, ringCapacity: 1024)
    }

    /// As the public initializer, with the capacity of both rings and the awf executable:
    /// tests use tiny rings to exercise the overflow queues, and a script in place of `awf`.
    package init(
        config: RunnerConfig, stats: ServerStats, outcomeDoorbell: Doorbell, logger: Logger,
        ringCapacity: Int, awfProgram: Bytes = LaunchPlan.awf,
        spawner: @escaping Spawner = ProcessSpawner.standard, networkFactory: NetworkClientFactory = .standard
    ) throws(Errno) {
        submissions = SPSCRing(capacity: ringCapacity)
        outcomes = SPSCRing(capacity: ringCapacity)
        runnerDoorbell = try Doorbell()
        self.outcomeDoorbell = outcomeDoorbell
        loop = try RunnerLoop(
            config: config, stats: stats, logger: logger, submissions: submissions, outcomes: outcomes,
            doorbell: runnerDoorbell, outcomeDoorbell: outcomeDoorbell, stop: stop, awfProgram: awfProgram,
            spawner: spawner, networkFactory: networkFactory)
    }

    /// Starts the runner thread. Only the first call has an effect; after `shutdown`, none.
    public func start() {
        thread.withLock { state in
            guard case .notStarted = state else { return }
            state = .running(Self.spawnThread(running: loop))
        }
    }

    /// Core thread only. Never blocks, never fails: if the submission ring is full, the
    /// execution waits in a core-side overflow queue, flushed on the next submit/drain call.
    /// After `shutdown` it does nothing: no run would ever take it.
    public func submit(_ execution: Execution) {
        coreSide.assertOwner()
        guard !closed.load(ordering: .relaxed) else { return }
        var pushed = flushOverflow()
        if coreSide.overflow.isEmpty && submissions.push(execution) {
            pushed = true
        } else {
            coreSide.overflow.append(execution)
        }
        if pushed { runnerDoorbell.ring() }
    }

    /// Core thread only. Pops finished outcomes in completion order.
    public func drainOutcomes(_ body: (ExecutionOutcome) -> Void) {
        coreSide.assertOwner()
        if flushOverflow() { runnerDoorbell.ring() }
        while let outcome = outcomes.pop() { body(outcome) }
        // The runner thread pushed its ring before handing these over, so they come after.
        if hasLate.load(ordering: .acquiring) {
            let handed = late.withLock { pending in
                defer { pending.removeAll() }
                return pending
            }
            hasLate.store(false, ordering: .relaxed)
            for outcome in handed { body(outcome) }
        }
    }

    /// Stops the runner thread. Runs still executing are waited for up to `graceMs`, then killed;
    /// their outcomes are still delivered to drainOutcomes if the core drains afterwards.
    /// Executions that had not started yet are dropped without an outcome (their jobs stay
    /// triggered, and come back planned after a restart). Blocks until the thread has exited.
    public func shutdown(graceMs: Int) {
        let running: pthread_t? = thread.withLock { state in
            defer { state = .stopped }
            if case .running(let handle) = state { return handle }
            return nil
        }
        closed.store(true, ordering: .relaxed)
        guard let running else { return }
        stop.request(graceMs: graceMs)
        runnerDoorbell.ringUnconditionally()
        _ = pthread_join(running, nil)
        let leftovers = loop.leftovers
        if !leftovers.isEmpty {
            late.withLock { $0.append(contentsOf: leftovers) }
            hasLate.store(true, ordering: .releasing)
            outcomeDoorbell.ring()
        }
    }

    /// Pushes what the ring takes from the overflow queue, oldest first; true if any moved.
    private func flushOverflow() -> Bool {
        if closed.load(ordering: .relaxed) {
            // No thread will ever take them (same as for `submit` after shutdown).
            coreSide.overflow.removeAll()
            return false
        }
        var pushed = false
        while let execution = coreSide.overflow.first, submissions.push(execution) {
            _ = coreSide.overflow.popFirst()
            pushed = true
        }
        return pushed
    }

    private static func spawnThread(running loop: RunnerLoop) -> pthread_t {
        let context = Unmanaged.passRetained(loop).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { raw in
            let loop = Unmanaged<RunnerLoop>.fromOpaque(raw!).takeRetainedValue()
            WorkerThread.nameCurrentThread("kairos-runner")
            loop.run()
            return nil
        }, context)
        // Failing to create one thread at startup means the process is out of resources;
        // a scheduler that can never run its jobs must not pretend to be up.
        precondition(result == 0, "runner thread: pthread_create failed: \(Errno(result))")
        return handle
    }
}

/// State only the core thread touches.
private final class CoreSide: @unchecked Sendable {
    // Safety: `submit` and `drainOutcomes`, the only users, are core-thread-only by contract,
    // which `assertOwner` checks in debug builds.
    var overflow = FIFOQueue<Execution>()
    private var owner: pthread_t?

    /// The first thread to submit or drain becomes the core thread; any other is a bug.
    func assertOwner() {
        #if DEBUG
        let current = pthread_self()
        if let owner {
            assert(pthread_equal(owner, current) != 0, "RunnerPool: submit/drainOutcomes called off the core thread")
        } else {
            owner = current
        }
        #endif
    }
}
