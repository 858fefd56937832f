import KairosSystem
import Logging

/// The http runner (D-network-runners): webhooks are transfers of libcurl multi handles, one
/// driven by the runner thread itself and, with `threads` above 1, one more per worker thread
/// (`HTTPWorker`, an epoll set and an `HTTPClient` of its own, fed through `HTTPWorkerLink`).
/// Everything in this type runs on the runner thread.
///
/// A call goes to the multi handle with the fewest calls in flight, the runner thread's own on
/// a tie: runs that come one at a time all stay on the runner thread and keep reusing its
/// kept-alive connection at no hand-over cost, while a burst spreads evenly, so no handle opens
/// more connections than its share of `[runner] concurrency`. A call handed to a worker costs
/// a ring push each way and, when the other side sleeps, a wake-up; the runner thread's own
/// calls cost neither, which is why it keeps a share instead of only dispatching.
final class HTTPWorkers: NetworkClient {
    /// One worker thread as seen from here.
    private struct Worker {
        let link: HTTPWorkerLink
        let loop: HTTPWorker
        let thread: WorkerThread
        /// Calls handed to it and not yet reported or cancelled.
        var inflight = 0
        /// Orders its ring had no room for, oldest first.
        var unsent = FIFOQueue<HTTPOrder>()
    }

    private let context: NetworkClientContext
    /// The runner thread's own multi handle.
    private var local: HTTPClient!
    private var localInflight = 0
    private var workers: [Worker] = []
    /// Where each call in flight went: `Self.localIndex` or a worker's index.
    private var workerOfCall: [UInt64: Int] = [:]
    private var closed = false
    private static let localIndex = -1
    /// Registrar keys: the local client's sockets use their descriptor (below 2^31); a worker's
    /// doorbell uses this bit with the worker's index.
    private static let doorbellKeyBit: UInt32 = 1 << 31

    /// How many multi handles the server drives: the runner thread's and one worker thread's
    /// (B8: see BENCHMARKS.md for what one and two measured).
    static let defaultThreads = 2

    init(
        context: NetworkClientContext, threads: Int = HTTPWorkers.defaultThreads,
        userAgent: String = HTTPRequest.userAgent(), limits: CurlEasy.Limits? = nil
    ) throws {
        self.context = context
        // Orders and reports in flight stay below `[runner] concurrency` plus the cancels of one
        // turn; the rings hold that many, and anything beyond waits in `unsent`.
        let capacity = max(256, 2 * context.config.concurrency)
        local = try HTTPClient(
            context: NetworkClientContext(
                registrar: context.registrar,
                complete: { [unowned self] id, result in self.localCompleted(id, result) },
                config: context.config, logger: context.logger),
            userAgent: userAgent, limits: limits)
        do {
            for index in 0..<max(1, threads) - 1 {
                let link = try HTTPWorkerLink(capacity: capacity)
                let loop = try HTTPWorker(
                    link: link, config: context.config, logger: context.logger, userAgent: userAgent, limits: limits)
                try context.registrar.watch(link.done.descriptor, events: Epoll.readable, key: Self.doorbellKeyBit | UInt32(index))
                let thread: WorkerThread
                do {
                    thread = try WorkerThread(name: "kairos-http") { loop.run() }
                } catch {
                    context.registrar.unwatch(link.done.descriptor)
                    throw error
                }
                workers.append(Worker(link: link, loop: loop, thread: thread))
            }
        } catch {
            close()
            throw error
        }
    }

    deinit {
        // Whoever owns the epoll set may be gone already: leave the set alone (closing the
        // descriptors takes them out of it all the same).
        if !closed { close(leavingTheEpollSet: false) }
    }

    // MARK: NetworkClient

    func start(_ call: NetworkCall) {
        guard !closed else { return context.complete(call.id, .failed("the http runner is closed")) }
        var chosen = Self.localIndex
        var fewest = localInflight
        for index in workers.indices where workers[index].inflight < fewest {
            chosen = index
            fewest = workers[index].inflight
        }
        workerOfCall[call.id] = chosen
        if chosen == Self.localIndex {
            localInflight += 1
            local.start(call)
        } else {
            workers[chosen].inflight += 1
            send(.start(call), to: chosen)
        }
    }

    func cancel(_ id: UInt64) {
        guard let index = workerOfCall.removeValue(forKey: id) else { return }
        if index == Self.localIndex {
            localInflight -= 1
            local.cancel(id)
        } else {
            workers[index].inflight -= 1
            send(.cancel(id), to: index)
        }
    }

    /// One of the local client's sockets, or a worker's doorbell (its reports are waiting).
    func handle(key: UInt32, events: UInt32) {
        guard !closed else { return }
        guard key & Self.doorbellKeyBit != 0 else { return local.handle(key: key, events: events) }
        let index = Int(key & ~Self.doorbellKeyBit)
        guard workers.indices.contains(index) else { return }
        workers[index].link.done.disarmWithoutReading()
        workers[index].link.done.acknowledge()
        collect(from: index)
    }

    /// Now, while reports wait that arrived without a ring (the runner thread was busy) or
    /// orders wait for room: `tick` takes care of them.
    var nextWakeup: Int64? {
        for worker in workers where !worker.link.reports.isEmpty || !worker.unsent.isEmpty { return 0 }
        return local.nextWakeup
    }

    func tick(now: Int64) {
        guard !closed else { return }
        if let at = local.nextWakeup, at <= now { local.tick(now: now) }
        for index in workers.indices {
            // Awake now: until the next `prepareToSleep`, a report need not write the eventfd.
            workers[index].link.done.disarmWithoutReading()
            flushUnsent(index)
            collect(from: index)
        }
    }

    func prepareToSleep() -> Bool {
        var ready = false
        for worker in workers {
            worker.link.done.arm()
            if !worker.link.reports.isEmpty { ready = true }
        }
        return ready
    }

    /// Stops every worker: each closes its client (transfers and connections) and is joined.
    func close() { close(leavingTheEpollSet: true) }

    private func close(leavingTheEpollSet: Bool) {
        guard !closed else { return }
        closed = true
        for worker in workers { worker.link.stop() }
        for worker in workers {
            worker.thread.join()
            if leavingTheEpollSet { context.registrar.unwatch(worker.link.done.descriptor) }
        }
        workers.removeAll()
        if !leavingTheEpollSet { local?.sockets.detach() }
        local?.close()
        workerOfCall.removeAll()
    }

    /// The local client's report: it comes before `start` returns for a call refused at once.
    private func localCompleted(_ id: UInt64, _ result: NetworkResult) {
        guard workerOfCall.removeValue(forKey: id) != nil else { return }
        localInflight -= 1
        context.complete(id, result)
    }

    // MARK: orders and reports

    private func send(_ order: HTTPOrder, to index: Int) {
        if workers[index].unsent.isEmpty && workers[index].link.orders.push(order) {
            workers[index].link.wake.ring()
        } else {
            workers[index].unsent.append(order)
        }
    }

    private func flushUnsent(_ index: Int) {
        var pushed = false
        while let order = workers[index].unsent.first, workers[index].link.orders.push(order) {
            _ = workers[index].unsent.popFirst()
            pushed = true
        }
        if pushed { workers[index].link.wake.ring() }
    }

    private func collect(from index: Int) {
        while let report = workers[index].link.reports.pop() {
            // A call cancelled meanwhile was already recorded: its report is dropped.
            guard workerOfCall.removeValue(forKey: report.id) != nil else { continue }
            workers[index].inflight -= 1
            context.complete(report.id, report.result)
        }
    }

    // MARK: tests

    /// Calls in flight on the runner thread's handle, then on each worker's.
    var inflightPerHandle: [Int] { [localInflight] + workers.map(\.inflight) }
}
