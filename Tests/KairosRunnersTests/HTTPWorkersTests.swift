import Foundation
import KairosProtocol
import KairosSystem
import Testing
@testable import KairosRunners

/// `HTTPWorkers` on the test's thread, driven the way the runner loop drives it: arm through
/// `prepareToSleep`, sleep in epoll, route readiness back by key, `tick` once due.
private final class WorkersDriver {
    let poller: Epoll
    let log = LogRecorder()
    private(set) var workers: HTTPWorkers!
    private(set) var results: [UInt64: NetworkResult] = [:]
    private(set) var watchedCount = 0
    private var nextID: UInt64 = 1

    init(threads: Int, concurrency: Int = 16) throws {
        poller = try Epoll(maxEvents: 64)
        let registrar = PollRegistrar(
            client: 0,
            add: { [unowned self] fd, events, data throws(Errno) in
                try poller.add(fd, events: events, data: data)
                watchedCount += 1
            },
            modify: { [unowned self] fd, events, data throws(Errno) in try poller.modify(fd, events: events, data: data) },
            remove: { [unowned self] fd in
                poller.remove(fd)
                watchedCount -= 1
            })
        let context = NetworkClientContext(
            registrar: registrar, complete: { [unowned self] id, result in results[id] = result },
            config: RunnerConfig(concurrency: concurrency), logger: log.logger)
        workers = try HTTPWorkers(context: context, threads: threads)
    }

    @discardableResult
    func start(_ method: String, _ url: String, jobID: String) -> UInt64 {
        let id = nextID
        nextID += 1
        workers.start(NetworkCall(id: id, jobID: Array(jobID.utf8), scheduledAt: 7, runner: .http(method: Array(method.utf8), url: Array(url.utf8))))
        return id
    }

    func turn(maxWaitMs: Int64) {
        var timeout = workers.prepareToSleep() ? 0 : maxWaitMs
        if let at = workers.nextWakeup { timeout = min(timeout, max(0, (at - Clock.monotonicNanoseconds() + 999_999) / 1_000_000)) }
        var ready: [(UInt32, UInt64)] = []
        try? poller.wait(timeoutMs: Int32(timeout)) { events, token in ready.append((events, token)) }
        for (events, token) in ready {
            if case .network(_, let key) = PollTarget(token: token) { workers.handle(key: key, events: events) }
        }
        let now = Clock.monotonicNanoseconds()
        if let at = workers.nextWakeup, at <= now { workers.tick(now: now) }
    }

    func awaitResults(_ ids: [UInt64], within seconds: Double = 10) -> [NetworkResult?] {
        let deadline = Clock.monotonicNanoseconds() + Int64(seconds * 1e9)
        while ids.contains(where: { results[$0] == nil }), Clock.monotonicNanoseconds() < deadline { turn(maxWaitMs: 50) }
        return ids.map { results[$0] }
    }
}

/// The http runner's multi handles: the runner thread's own plus a worker thread's.
@Suite struct HTTPWorkersTests {
    @Test func runsOneAtATimeStayOnTheRunnerThreadsHandleAndConnection() throws {
        let recorder = try HTTPRecorder()
        let driver = try WorkersDriver(threads: 2)
        for index in 0..<5 {
            let id = driver.start("POST", recorder.url("/one/\(index)"), jobID: "one.\(index)")
            #expect(driver.workers.inflightPerHandle == [1, 0])
            #expect(driver.awaitResults([id])[0]?.success == true)
        }
        #expect(recorder.requests.map(\.connection) == [1, 1, 1, 1, 1])
    }

    @Test func aBurstSpreadsOverBothHandlesAndEveryRunEndsExactlyOnce() throws {
        let recorder = try HTTPRecorder()
        let driver = try WorkersDriver(threads: 2)
        let hung = (0..<4).map { driver.start("POST", recorder.url("/hang"), jobID: "hung.\($0)") }
        #expect(driver.workers.inflightPerHandle == [2, 2])
        let ids = (0..<12).map { driver.start("POST", recorder.url("/burst/\($0)"), jobID: "burst.\($0)") }
        let results = driver.awaitResults(ids)
        #expect(results.allSatisfy { $0?.success == true })
        #expect(hung.allSatisfy { driver.results[$0] == nil })
        // What the peer received: each run's own body, once.
        let bodies = Set(recorder.requests.map(\.body))
        #expect((0..<12).allSatisfy { bodies.contains(#"{"job_id":"burst.\#($0)","execution":7}"#) })
        #expect(recorder.requests.filter { $0.body.contains("\"burst.") }.count == 12)
        for id in hung { driver.workers.cancel(id) }
        #expect(driver.workers.inflightPerHandle == [0, 0])
        // The worker drops its cancelled transfers: nothing is ever reported for them.
        for _ in 0..<5 { driver.turn(maxWaitMs: 10) }
        #expect(hung.allSatisfy { driver.results[$0] == nil })
    }

    @Test func aWorkersTransferEndsWhileTheRunnerSleeps() throws {
        let recorder = try HTTPRecorder()
        let driver = try WorkersDriver(threads: 2)
        driver.start("POST", recorder.url("/hang"), jobID: "hang")
        let id = driver.start("POST", recorder.url("/late"), jobID: "late")
        #expect(driver.workers.inflightPerHandle == [1, 1])
        // Long sleeps: only the worker's doorbell, armed by prepareToSleep, can end them early.
        let started = Clock.monotonicNanoseconds()
        while driver.results[id] == nil, Clock.monotonicNanoseconds() - started < 10_000_000_000 { driver.turn(maxWaitMs: 5_000) }
        #expect(driver.results[id]?.success == true)
        #expect(Clock.monotonicNanoseconds() - started < 4_000_000_000, "the report woke the sleeping runner")
    }

    @Test func closeStopsTheWorkerAndClosesEveryConnection() throws {
        let recorder = try HTTPRecorder()
        let driver = try WorkersDriver(threads: 2)
        let ids = (0..<6).map { driver.start("POST", recorder.url("/kept/\($0)"), jobID: "kept.\($0)") }
        #expect(driver.awaitResults(ids).allSatisfy { $0?.success == true })
        driver.start("POST", recorder.url("/hang"), jobID: "hang")
        driver.start("POST", recorder.url("/hang"), jobID: "hang")
        #expect(eventually {
            driver.turn(maxWaitMs: 10)
            return recorder.requests.count == 8
        })
        #expect(socketsConnected(toPort: recorder.port) >= 2)
        driver.workers.close()
        #expect(socketsConnected(toPort: recorder.port) == 0)
        #expect(driver.watchedCount == 0)
        let late = driver.start("GET", recorder.url("/late"), jobID: "late")
        #expect(driver.results[late] == .failed("the http runner is closed"))
    }
}
