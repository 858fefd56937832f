import Foundation
import KairosProtocol
import KairosSystem
@testable import KairosRunners

/// Drives an `HTTPClient` the way the runner loop does, on the test's own thread: a private
/// epoll set behind a `PollRegistrar`, readiness routed back by key, `tick` once `nextWakeup`
/// has passed.
final class HTTPClientDriver {
    let poller: Epoll
    let log = LogRecorder()
    private(set) var client: HTTPClient!
    private(set) var results: [UInt64: NetworkResult] = [:]
    /// Descriptors currently in the epoll set, to check that nothing is left behind.
    private(set) var watchedCount = 0
    /// epoll_ctl calls the client asked for: adds, modifies, removes.
    private(set) var epollCalls = (add: 0, modify: 0, remove: 0)
    private var nextID: UInt64 = 1

    init(_ config: RunnerConfig = RunnerConfig(), limits: CurlEasy.Limits? = nil) throws {
        poller = try Epoll(maxEvents: 64)
        let registrar = PollRegistrar(
            client: 0,
            add: { [unowned self] fd, events, data throws(Errno) in
                try poller.add(fd, events: events, data: data)
                watchedCount += 1
                epollCalls.add += 1
            },
            modify: { [unowned self] fd, events, data throws(Errno) in
                try poller.modify(fd, events: events, data: data)
                epollCalls.modify += 1
            },
            remove: { [unowned self] fd in
                poller.remove(fd)
                watchedCount -= 1
                epollCalls.remove += 1
            })
        let context = NetworkClientContext(
            registrar: registrar, complete: { [unowned self] id, result in results[id] = result },
            config: config, logger: log.logger)
        client = try HTTPClient(context: context, limits: limits)
    }

    /// Starts a run of `method url` for job `jobID`; returns its call id.
    @discardableResult
    func start(_ method: String, _ url: String, jobID: Bytes = Array("job.1".utf8), execution: Int64 = 1_775_008_800_000_000_000) -> UInt64 {
        let id = nextID
        nextID += 1
        client.start(NetworkCall(id: id, jobID: jobID, scheduledAt: execution, runner: .http(method: Array(method.utf8), url: Array(url.utf8))))
        return id
    }

    /// Turns the loop until every id in `ids` has a result or `seconds` pass.
    func awaitResults(_ ids: [UInt64], within seconds: Double = 10) -> [NetworkResult?] {
        let deadline = Clock.monotonicNanoseconds() + Int64(seconds * 1e9)
        while ids.contains(where: { results[$0] == nil }), Clock.monotonicNanoseconds() < deadline {
            turn(maxWaitMs: 50)
        }
        return ids.map { results[$0] }
    }

    /// Starts one run and waits for its result.
    func run(_ method: String, _ url: String, jobID: Bytes = Array("job.1".utf8), within seconds: Double = 10) -> NetworkResult? {
        awaitResults([start(method, url, jobID: jobID)], within: seconds)[0]
    }

    /// One loop turn: wait for readiness (no longer than the client's timer), dispatch, tick.
    func turn(maxWaitMs: Int64) {
        var timeout = maxWaitMs
        if let at = client.nextWakeup { timeout = min(timeout, max(0, (at - Clock.monotonicNanoseconds() + 999_999) / 1_000_000)) }
        var ready: [(UInt32, UInt64)] = []
        try? poller.wait(timeoutMs: Int32(timeout)) { events, token in ready.append((events, token)) }
        for (events, token) in ready {
            if case .network(_, let key) = PollTarget(token: token) { client.handle(key: key, events: events) }
        }
        let now = Clock.monotonicNanoseconds()
        if let at = client.nextWakeup, at <= now { client.tick(now: now) }
    }

    /// Turns the loop for `ms` without expecting anything (lets libcurl settle).
    func idle(ms: Int64) {
        let deadline = Clock.monotonicNanoseconds() + ms * 1_000_000
        while Clock.monotonicNanoseconds() < deadline { turn(maxWaitMs: 10) }
    }
}
