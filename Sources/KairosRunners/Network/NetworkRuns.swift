import KairosProtocol
import KairosSystem
import Logging

/// The runner thread's network runs in flight: which client holds each, its deadline, and the
/// results clients reported, until the runner loop turns them into outcomes.
final class NetworkRuns {
    /// A run handed to a client and not yet finished.
    private struct Inflight {
        let jobID: Bytes
        let generation: UInt64
        let ruleID: Bytes
        let kind: NetworkKind
        /// Monotonic start.
        let startedAt: Int64
        let latenessNs: Int64
        let traceParent: TraceParent?
    }

    /// A run that ended, waiting to become an `ExecutionOutcome`.
    struct Finished {
        let jobID: Bytes
        let generation: UInt64
        let ruleID: Bytes
        let kind: NetworkKind
        let result: NetworkResult
        /// nil when the run never reached a client.
        let durationNs: Int64?
        let latenessNs: Int64
        var traceParent: TraceParent? = nil
    }

    private let factory: NetworkClientFactory
    private let config: RunnerConfig
    private let logger: Logger
    private let timeoutNs: Int64
    private let makeRegistrar: (UInt8) -> PollRegistrar
    private var clients: [(any NetworkClient)?] = Array(repeating: nil, count: NetworkKind.allCases.count)
    /// Kinds whose client could not be made, so each run does not try again.
    private var missing: [String?] = Array(repeating: nil, count: NetworkKind.allCases.count)
    private var inflight: [UInt64: Inflight] = [:]
    /// Deadlines in start order; every run has the same timeout, so also deadline order.
    /// Entries of runs that already ended are skipped when they reach the front.
    private var deadlines = FIFOQueue<(at: Int64, id: UInt64)>()
    private var finished: [Finished] = []
    private var nextID: UInt64 = 1

    init(factory: NetworkClientFactory, config: RunnerConfig, logger: Logger, timeoutNs: Int64, makeRegistrar: @escaping (UInt8) -> PollRegistrar) {
        self.factory = factory
        self.config = config
        self.logger = logger
        self.timeoutNs = timeoutNs
        self.makeRegistrar = makeRegistrar
    }

    var count: Int { inflight.count }

    /// Hands a run to its kind's client, making the client on first use. A kind without a
    /// client finishes the run `failed` at once.
    func start(
        jobID: Bytes, generation: UInt64, ruleID: Bytes, kind: NetworkKind, runner: RunnerSpec, scheduledAt: Int64,
        now: Int64, latenessNs: Int64, traceParent: TraceParent? = nil
    ) {
        guard let client = client(for: kind) else {
            finished.append(Finished(
                jobID: jobID, generation: generation, ruleID: ruleID, kind: kind,
                result: .failed(missing[Int(kind.rawValue)] ?? "not available"), durationNs: nil, latenessNs: latenessNs,
                traceParent: traceParent))
            return
        }
        let id = nextID
        nextID &+= 1
        inflight[id] = Inflight(
            jobID: jobID, generation: generation, ruleID: ruleID, kind: kind, startedAt: now, latenessNs: latenessNs,
            traceParent: traceParent)
        if timeoutNs > 0 { deadlines.append((at: now + timeoutNs, id: id)) }
        client.start(NetworkCall(id: id, jobID: jobID, scheduledAt: scheduledAt, runner: runner, traceParent: traceParent))
    }

    private func client(for kind: NetworkKind) -> (any NetworkClient)? {
        let index = Int(kind.rawValue)
        if let client = clients[index] { return client }
        guard missing[index] == nil else { return nil }
        let context = NetworkClientContext(
            registrar: makeRegistrar(kind.rawValue),
            complete: { [unowned self] id, result in self.completed(id, result) },
            config: config, logger: logger)
        do {
            if let client = try factory.make(kind, context) {
                clients[index] = client
                return client
            }
            missing[index] = "runner \(kind) is not available in this build"
        } catch {
            missing[index] = "runner \(kind) cannot start: \(error)"
        }
        logger.warning("\(missing[index]!)")
        return nil
    }

    /// A client's report. Ids already cancelled or reported are ignored.
    private func completed(_ id: UInt64, _ result: NetworkResult) {
        guard let run = inflight.removeValue(forKey: id) else { return }
        finish(run, result)
    }

    private func finish(_ run: Inflight, _ result: NetworkResult) {
        finished.append(Finished(
            jobID: run.jobID, generation: run.generation, ruleID: run.ruleID, kind: run.kind, result: result,
            durationNs: Clock.monotonicNanoseconds() - run.startedAt, latenessNs: run.latenessNs, traceParent: run.traceParent))
    }

    /// Readiness for a descriptor that client `index` registered.
    func handle(client index: UInt8, key: UInt32, events: UInt32) {
        guard Int(index) < clients.count, let client = clients[Int(index)] else { return }
        client.handle(key: key, events: events)
    }

    /// The earliest time a client timer or a run deadline needs the loop.
    var nextWakeup: Int64? {
        var nearest = nextDeadline()
        for case let client? in clients {
            if let at = client.nextWakeup { nearest = min(nearest ?? at, at) }
        }
        return nearest
    }

    /// Runs due client timers, then gives up on runs past their deadline.
    func tick(now: Int64) {
        for case let client? in clients {
            if let at = client.nextWakeup, at <= now { client.tick(now: now) }
        }
        while let at = nextDeadline(), at <= now, let front = deadlines.popFirst() {
            cancel(front.id, because: "exceeded \(config.timeoutMs) ms")
        }
    }

    /// Gives up on every run in flight (the shutdown grace period is over).
    func cancelAll(because reason: String) {
        for id in inflight.keys.sorted() { cancel(id, because: reason) }
    }

    private func cancel(_ id: UInt64, because reason: String) {
        guard let run = inflight.removeValue(forKey: id) else { return }
        clients[Int(run.kind.rawValue)]?.cancel(id)
        finish(run, .failed(reason))
    }

    private func nextDeadline() -> Int64? {
        while let front = deadlines.first {
            if inflight[front.id] != nil { return front.at }
            _ = deadlines.popFirst()
        }
        return nil
    }

    /// Hands over the runs that ended since the last call, in the order they ended.
    func drainFinished(_ body: (Finished) -> Void) {
        guard !finished.isEmpty else { return }
        let batch = finished
        finished.removeAll(keepingCapacity: true)
        for run in batch { body(run) }
    }

    /// The runner thread is exiting: close every client.
    func closeAll() {
        for case let client? in clients { client.close() }
        clients = Array(repeating: nil, count: clients.count)
    }
}
