import CKairos
import Glibc
import KairosSystem
import Logging

/// One http worker thread's loop: an `HTTPClient` (a libcurl multi handle and its connection
/// cache) driven by an epoll set of the worker's own, fed with orders by the runner thread and
/// handing reports back to it (`HTTPWorkerLink`).
///
/// Why a thread of its own: at tens of thousands of webhooks a second, libcurl and the
/// kernel's send path cost about 20 µs of CPU per request (B8), all of it on whichever thread
/// drives the multi handle. With the runner thread's handle alone that capped the http runner
/// at one core while the machine's other core sat partly idle; a burst now shares its requests
/// between the runner thread's handle and a worker's (`HTTPWorkers`).
final class HTTPWorker: @unchecked Sendable {
    // Safety: made on the runner thread, then handed to its worker thread, which alone touches
    // `poller`, `client` and `unsent` until `run` returns; the runner thread joins that thread
    // before it lets go of this object.
    private let link: HTTPWorkerLink
    private let poller: Epoll
    private var client: HTTPClient!
    /// Reports the ring had no room for, oldest first.
    private var unsent = FIFOQueue<HTTPReport>()

    /// When reports wait for room in the ring, the loop retries this often.
    private static let unsentRetryMs: Int32 = 1

    init(link: HTTPWorkerLink, config: RunnerConfig, logger: Logger, userAgent: String, limits: CurlEasy.Limits?) throws {
        self.link = link
        poller = try Epoll(maxEvents: 64)
        try poller.add(link.wake.descriptor, events: Epoll.readable, data: PollTarget.doorbell.token)
        let registrar = PollRegistrar(
            client: 0,
            add: { [unowned self] fd, events, data throws(Errno) in try self.poller.add(fd, events: events, data: data) },
            modify: { [unowned self] fd, events, data throws(Errno) in try self.poller.modify(fd, events: events, data: data) },
            remove: { [unowned self] fd in self.poller.remove(fd) })
        let context = NetworkClientContext(
            registrar: registrar,
            complete: { [unowned self] id, result in self.unsent.append(HTTPReport(id: id, result: result)) },
            config: config, logger: logger)
        client = try HTTPClient(context: context, userAgent: userAgent, limits: limits)
    }

    /// The thread body: returns once the runner asked it to stop, with the client closed.
    func run() {
        // The server takes its signals through a signalfd: a thread that left them unblocked
        // would receive them instead and die of the default action.
        let signals: [CInt] = [SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2]
        _ = ckairos_pthread_sigmask_block(signals, CInt(signals.count))
        while !link.stopRequested {
            link.wake.disarmWithoutReading()
            takeOrders()
            sendReports()
            link.wake.arm()
            // An order pushed before `arm` did not ring: look again before sleeping.
            let busy = !link.orders.isEmpty || link.stopRequested
            do {
                try poller.wait(timeoutMs: busy ? 0 : waitTimeout()) { events, token in
                    switch PollTarget(token: token) {
                    case .doorbell: link.wake.acknowledge()
                    case .network(_, let key): client.handle(key: key, events: events)
                    case .exit, .output: break
                    }
                }
            } catch {
                // Only EINTR (retried) can happen on a valid epoll fd with valid buffers.
                preconditionFailure("runner: http worker: epoll_wait failed: \(error)")
            }
            let now = Clock.monotonicNanoseconds()
            if let at = client.nextWakeup, at <= now { client.tick(now: now) }
            sendReports()
        }
        // The runner cancelled every call before stopping this thread: what ends here is
        // reported to nobody.
        client.close()
    }

    private func takeOrders() {
        while let order = link.orders.pop() {
            switch order {
            case .start(let call): client.start(call)
            case .cancel(let id): client.cancel(id)
            }
        }
    }

    private func sendReports() {
        var pushed = false
        while let report = unsent.first, link.reports.push(report) {
            _ = unsent.popFirst()
            pushed = true
        }
        if pushed { link.done.ring() }
    }

    private func waitTimeout() -> Int32 {
        var timeout: Int32 = -1
        if let at = client.nextWakeup {
            // Rounded up: waking early would spin until the timer is due.
            timeout = Int32(clamping: (max(0, at - Clock.monotonicNanoseconds()) + 999_999) / 1_000_000)
        }
        if !unsent.isEmpty { timeout = timeout < 0 ? Self.unsentRetryMs : min(timeout, Self.unsentRetryMs) }
        return timeout
    }
}
