import KairosTestServers
import Foundation
import Glibc
import KairosProtocol
import KairosSystem
import Testing
@testable import KairosRunners

/// Drives an AMQPClient the way the runner thread does: a private epoll set, readiness routed
/// to `handle`, `tick` when `nextWakeup` passes.
final class AMQPDriver {
    let epoll: Epoll
    let log = LogRecorder()
    private(set) var client: AMQPClient!
    private var results: [UInt64: NetworkResult] = [:]
    private var nextID: UInt64 = 1

    init(_ config: RunnerConfig = RunnerConfig(), publishers: Int = 2) throws {
        epoll = try Epoll()
        let registrar = PollRegistrar(
            client: 2,
            add: { [unowned self] fd, events, token throws(Errno) in try self.epoll.add(fd, events: events, data: token) },
            modify: { [unowned self] fd, events, token throws(Errno) in try self.epoll.modify(fd, events: events, data: token) },
            remove: { [unowned self] fd in self.epoll.remove(fd) })
        let context = NetworkClientContext(
            registrar: registrar, complete: { [unowned self] id, result in self.results[id] = result },
            config: config, logger: log.logger)
        client = try AMQPClient(context, publishers: publishers)
    }

    /// Starts a publish of `job` and returns its call id.
    @discardableResult
    func start(dsn: String, exchange: String = "", key: String, job: String) -> UInt64 {
        let id = nextID
        nextID += 1
        client.start(NetworkCall(id: id, jobID: Array(job.utf8), scheduledAt: 0,
                                 runner: .amqp(dsn: Array(dsn.utf8), exchange: Array(exchange.utf8), routingKey: Array(key.utf8))))
        return id
    }

    /// Turns the loop until every id in `ids` has a result, or `seconds` pass.
    func awaitResults(_ ids: [UInt64], within seconds: Double = 20) -> [NetworkResult?] {
        let deadline = Clock.monotonicNanoseconds() + Int64(seconds * 1e9)
        while ids.contains(where: { results[$0] == nil }) && Clock.monotonicNanoseconds() < deadline {
            turn(maxWaitMs: 50)
        }
        return ids.map { results[$0] }
    }

    func run(dsn: String, exchange: String = "", key: String, job: String, within seconds: Double = 20) -> NetworkResult? {
        awaitResults([start(dsn: dsn, exchange: exchange, key: key, job: job)], within: seconds)[0]
    }

    func result(_ id: UInt64) -> NetworkResult? { results[id] }

    func turn(maxWaitMs: Int32) {
        var wait = maxWaitMs
        if let at = client.nextWakeup {
            wait = Int32(max(0, min(Int64(maxWaitMs), (at - Clock.monotonicNanoseconds()) / 1_000_000 + 1)))
        }
        try? epoll.wait(timeoutMs: wait) { events, token in
            if case .network(_, let key) = PollTarget(token: token) { client.handle(key: key, events: events) }
        }
        let now = Clock.monotonicNanoseconds()
        if let at = client.nextWakeup, at <= now { client.tick(now: now) }
    }

    func close() { client.close() }
}

/// The amqp runner against a real RabbitMQ node (one per test process, shared).
@Suite(.serialized) struct AMQPClientTests {
    private let node: RabbitNode
    private let dsn: String

    init() throws {
        node = try RabbitNode.shared()
        dsn = "amqp://guest:guest@127.0.0.1:\(node.port)"
    }

    private func uniqueQueue(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8))" }

    @Test func publishesTheJobIDPersistentThroughTheDefaultExchange() throws {
        let queue = uniqueQueue("kairos-default")
        let probe = try BrokerProbe(port: node.port)
        try probe.declareQueue(queue)
        let driver = try AMQPDriver()
        defer { driver.close() }
        let result = driver.run(dsn: dsn, key: queue, job: "deploy.v1 \u{e9}\n")
        #expect(result == .succeeded("broker ack"))
        #expect(try probe.drain(queue) == [BrokerProbe.Message(body: Array("deploy.v1 \u{e9}\n".utf8), deliveryMode: 2)])
    }

    @Test func manyPublishesOverReusedConnectionsAllArriveOnce() throws {
        let queue = uniqueQueue("kairos-many")
        let probe = try BrokerProbe(port: node.port)
        try probe.declareQueue(queue)
        try probe.declareExchange("kairos-direct", boundTo: queue, key: "rk")
        let driver = try AMQPDriver()
        defer { driver.close() }
        let ids = (0..<200).map { driver.start(dsn: dsn, exchange: "kairos-direct", key: "rk", job: "job.\($0)") }
        let results = driver.awaitResults(ids)
        #expect(results.allSatisfy { $0 == .succeeded("broker ack") })
        let bodies = try probe.drain(queue).map { String(decoding: $0.body, as: UTF8.self) }
        #expect(bodies.sorted() == (0..<200).map { "job.\($0)" }.sorted())
        // Reused: at most one connection per publisher thread, plus the probe's.
        let connections = try node.ctl(["list_connections", "--silent", "name"]).output.split(separator: "\n")
        #expect(connections.count <= 3, "\(connections)")
    }

    @Test func anUnroutableMandatoryPublishFails() throws {
        let driver = try AMQPDriver()
        defer { driver.close() }
        let result = driver.run(dsn: dsn, key: uniqueQueue("nobody-listens"), job: "lost")
        #expect(result == .failed("returned by the broker (unroutable): 312 NO_ROUTE"))
    }

    @Test func aMissingExchangeClosesTheChannelAndTheNextRunStillWorks() throws {
        let queue = uniqueQueue("kairos-after-close")
        let probe = try BrokerProbe(port: node.port)
        try probe.declareQueue(queue)
        let driver = try AMQPDriver(publishers: 1)
        defer { driver.close() }
        let failed = driver.run(dsn: dsn, exchange: "no-such-exchange", key: "k", job: "j1")
        #expect(failed == .failed("channel closed by the broker: 404 NOT_FOUND - no exchange 'no-such-exchange' in vhost '/'"))
        #expect(driver.run(dsn: dsn, key: queue, job: "j2") == .succeeded("broker ack"))
        #expect(try probe.drain(queue).map(\.body) == [Array("j2".utf8)])
    }

    @Test func aWrongPasswordFailsWithoutShowingIt() throws {
        let driver = try AMQPDriver()
        defer { driver.close() }
        let result = try #require(driver.run(dsn: "amqp://guest:hunter2@127.0.0.1:\(node.port)", key: "k", job: "j"))
        #expect(!result.success)
        #expect(result.detail == "login to 127.0.0.1:\(node.port) (vhost /): connection closed by the broker: "
            + "403 ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.")
        #expect(!result.detail.contains("hunter2"))
    }

    @Test func theVhostComesFromThePath() throws {
        try node.ctl(["add_vhost", "kairos-prod"])
        try node.ctl(["set_permissions", "-p", "kairos-prod", "guest", ".*", ".*", ".*"])
        let queue = uniqueQueue("kairos-vhost")
        let probe = try BrokerProbe(port: node.port, vhost: "kairos-prod")
        try probe.declareQueue(queue)
        let driver = try AMQPDriver()
        defer { driver.close() }
        #expect(driver.run(dsn: dsn + "/kairos-prod", key: queue, job: "in-prod") == .succeeded("broker ack"))
        #expect(try probe.drain(queue).map(\.body) == [Array("in-prod".utf8)])
        // The default vhost has no such queue: the same publish there is unroutable.
        #expect(driver.run(dsn: dsn + "/", key: queue, job: "in-root") == .failed("returned by the broker (unroutable): 312 NO_ROUTE"))
        let missing = try #require(driver.run(dsn: dsn + "/no-such-vhost", key: queue, job: "x"))
        #expect(!missing.success)
        #expect(missing.detail == "login to 127.0.0.1:\(node.port) (vhost no-such-vhost): connection closed by the broker: 530 NOT_ALLOWED - vhost no-such-vhost not found")
    }

    @Test func percentEncodedCredentialsAreDecoded() throws {
        try node.ctl(["add_user", "k@i:r", "p@ss/w:rd"])
        try node.ctl(["set_permissions", "-p", "/", "k@i:r", ".*", ".*", ".*"])
        let queue = uniqueQueue("kairos-user")
        let probe = try BrokerProbe(port: node.port)
        try probe.declareQueue(queue)
        let driver = try AMQPDriver()
        defer { driver.close() }
        let result = driver.run(dsn: "amqp://k%40i%3Ar:p%40ss%2Fw%3Ard@127.0.0.1:\(node.port)/%2f", key: queue, job: "decoded")
        #expect(result == .succeeded("broker ack"))
        #expect(try probe.drain(queue).map(\.body) == [Array("decoded".utf8)])
    }

    @Test func aBadDSNFailsAtOnce() throws {
        let driver = try AMQPDriver()
        defer { driver.close() }
        let id = driver.start(dsn: "amqp://u:secret@h:port", key: "k", job: "j")
        #expect(driver.result(id) == .failed("bad amqp DSN: invalid port \"port\""))
    }

    @Test func connectionRefusedFails() throws {
        let port = try RabbitNode.freePort()
        let driver = try AMQPDriver()
        defer { driver.close() }
        #expect(driver.run(dsn: "amqp://127.0.0.1:\(port)", key: "k", job: "j")
            == .failed("connect to 127.0.0.1:\(port): a socket error occurred"))
    }

    @Test func anUnknownHostFails() throws {
        let driver = try AMQPDriver()
        defer { driver.close() }
        #expect(driver.run(dsn: "amqp://u:p@no-such-host.invalid/", key: "k", job: "j", within: 60)
            == .failed("connect to no-such-host.invalid:5672: hostname lookup failed"))
    }

    @Test func failedAttemptsCloseTheirSockets() throws {
        let listener = try SilentListener()
        let driver = try AMQPDriver(RunnerConfig(timeoutMs: 100), publishers: 1)
        defer { driver.close() }
        for job in 0..<3 {
            let result = try #require(driver.run(dsn: "amqp://127.0.0.1:\(listener.port)", key: "k", job: "j\(job)", within: 10))
            #expect(!result.success)
        }
        // Each attempt's connection waits in the backlog; the client must have closed all three.
        for _ in 0..<3 { #expect(listener.acceptAndAwaitEOF(within: 5)) }
    }

    @Test func aPeerThatNeverAnswersTimesOut() throws {
        let listener = try SilentListener()
        let driver = try AMQPDriver(RunnerConfig(timeoutMs: 300))
        defer { driver.close() }
        let started = Date()
        let result = try #require(driver.run(dsn: "amqp://127.0.0.1:\(listener.port)", key: "k", job: "j", within: 10))
        #expect(!result.success)
        #expect(result.detail == "login to 127.0.0.1:\(listener.port) (vhost /): request timed out")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func closeDoesNotWaitForAPublisherStuckOnASilentPeer() throws {
        let listener = try SilentListener()
        let driver = try AMQPDriver()  // D-network-runners defaults: 30 s for the login reply
        driver.start(dsn: "amqp://127.0.0.1:\(listener.port)", key: "k", job: "j")
        #expect(listener.awaitConnection(within: 10))
        let started = Date()
        driver.close()
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test func aCancelledCallReportsNothing() throws {
        let listener = try SilentListener()
        let driver = try AMQPDriver(RunnerConfig(timeoutMs: 200), publishers: 1)
        defer { driver.close() }
        let id = driver.start(dsn: "amqp://127.0.0.1:\(listener.port)", key: "k", job: "j")
        driver.client.cancel(id)
        let later = Clock.monotonicNanoseconds() + 1_500_000_000
        while Clock.monotonicNanoseconds() < later { driver.turn(maxWaitMs: 50) }
        #expect(driver.result(id) == nil)
    }

    @Test func amqpsVerifiesTheBrokerAgainstTheConfiguredCA() throws {
        let queue = uniqueQueue("kairos-tls")
        let probe = try BrokerProbe(port: node.port)
        try probe.declareQueue(queue)
        let driver = try AMQPDriver(RunnerConfig(httpCAFile: node.caFile))
        defer { driver.close() }
        #expect(driver.run(dsn: "amqps://localhost:\(node.tlsPort)", key: queue, job: "over-tls") == .succeeded("broker ack"))
        #expect(try probe.drain(queue) == [BrokerProbe.Message(body: Array("over-tls".utf8), deliveryMode: 2)])
        // The certificate names `localhost` only.
        #expect(driver.run(dsn: "amqps://127.0.0.1:\(node.tlsPort)", key: queue, job: "wrong-name")
            == .failed("connect to 127.0.0.1:\(node.tlsPort): SSL hostname verification failed"))
        #expect(try probe.drain(queue).isEmpty)
    }

    @Test func amqpsRefusesABrokerTheSystemStoreDoesNotKnow() throws {
        let driver = try AMQPDriver()
        defer { driver.close() }
        let result = try #require(driver.run(dsn: "amqps://localhost:\(node.tlsPort)", key: "k", job: "untrusted"))
        #expect(!result.success)
        #expect(result.detail == "connect to localhost:\(node.tlsPort): SSL peer cert verification failed")
    }

    /// Last: restarts the broker's application, so every open connection breaks.
    @Test func aBrokenReusedConnectionIsReopenedOnceAndAStoppedBrokerFails() throws {
        let queue = uniqueQueue("kairos-reopen")
        try BrokerProbe(port: node.port).declareQueue(queue)
        let driver = try AMQPDriver(publishers: 1)
        defer { driver.close() }
        #expect(driver.run(dsn: dsn, key: queue, job: "before") == .succeeded("broker ack"))
        #expect(try node.ctl(["close_all_connections", "kairos test"]).status == 0)
        #expect(driver.run(dsn: dsn, key: queue, job: "after-close") == .succeeded("broker ack"))
        #expect(try node.ctl(["stop_app"]).status == 0)
        // The reused connection is broken, the one reopening attempt is refused.
        #expect(driver.run(dsn: dsn, key: queue, job: "while-stopped") == .failed("connect to 127.0.0.1:\(node.port): a socket error occurred"))
        #expect(try node.ctl(["start_app"]).status == 0)
        #expect(driver.run(dsn: dsn, key: queue, job: "restarted") == .succeeded("broker ack"))
        #expect(try BrokerProbe(port: node.port).drain(queue).map { String(decoding: $0.body, as: UTF8.self) } == ["before", "after-close", "restarted"])
    }
}

/// What the amqp tests ask of the silent listener (declared with the redis test support).
extension SilentListener {
    /// Accepts one connection and reports whether the client has closed it (EOF within `seconds`).
    func acceptAndAwaitEOF(within seconds: Double) -> Bool {
        guard awaitReadable(fd, seconds) else { return false }
        let connection = Glibc.accept(fd, nil, nil)
        guard connection >= 0 else { return false }
        defer { close(connection) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while awaitReadable(connection, seconds) {
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { return count == 0 }
        }
        return false
    }

    private func awaitReadable(_ descriptor: Int32, _ seconds: Double) -> Bool {
        var poll = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return Glibc.poll(&poll, 1, Int32(seconds * 1000)) == 1
    }

    /// Accepts one connection (and keeps it open, silent) once a client arrives.
    func awaitConnection(within seconds: Double) -> Bool {
        var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard Glibc.poll(&poll, 1, Int32(seconds * 1000)) == 1 else { return false }
        return Glibc.accept(fd, nil, nil) >= 0
    }
}
