import Glibc
import KairosProtocol
import KairosSystem
import Synchronization
import Testing
@testable import KairosRunners

/// A client that talks to nothing: each call writes a byte into its own pipe and registers the
/// read end, so the call ends only when the runner loop routes that readiness back to it (or,
/// in `.hang` mode, never). Records what the loop asked of it.
final class PipeClient: NetworkClient {
    enum Mode { case answer, hang, refuseAtOnce }

    final class Record: Sendable {
        let started = Mutex<[Bytes]>([])
        let cancelled = Mutex<[UInt64]>([])
        let closed = Atomic<Bool>(false)
    }

    private let context: NetworkClientContext
    private let mode: Mode
    private let record: Record
    private var pipes: [UInt32: (read: FileDescriptor, write: FileDescriptor, call: UInt64)] = [:]
    private var nextKey: UInt32 = 0

    init(_ context: NetworkClientContext, mode: Mode, record: Record) {
        self.context = context
        self.mode = mode
        self.record = record
    }

    func start(_ call: NetworkCall) {
        record.started.withLock { $0.append(call.jobID) }
        if mode == .refuseAtOnce {
            context.complete(call.id, .failed("refused at once"))
            return
        }
        var fds: [CInt] = [0, 0]
        precondition(pipe(&fds) == 0)
        let key = nextKey
        nextKey += 1
        pipes[key] = (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]), call.id)
        try! context.registrar.watch(FileDescriptor(rawValue: fds[0]), events: Epoll.readable, key: key)
        if mode == .answer { _ = write(fds[1], "x", 1) }
    }

    func cancel(_ id: UInt64) {
        record.cancelled.withLock { $0.append(id) }
        for (key, entry) in pipes where entry.call == id { drop(key) }
    }

    func handle(key: UInt32, events: UInt32) {
        guard let entry = pipes[key] else { return }
        drop(key)
        context.complete(entry.call, .succeeded("pipe answered"))
    }

    var nextWakeup: Int64? { nil }
    func tick(now: Int64) {}

    func close() {
        for key in pipes.keys { drop(key) }
        record.closed.store(true, ordering: .relaxed)
    }

    private func drop(_ key: UInt32) {
        guard let entry = pipes.removeValue(forKey: key) else { return }
        context.registrar.unwatch(entry.read)
        entry.read.close()
        entry.write.close()
    }
}

private func http(_ url: String = "http://127.0.0.1:1/") -> RunnerSpec { .http(method: bytes("POST"), url: bytes(url)) }

/// The runner loop's side of network runs (D-network-runners): routing, shared concurrency, timeouts, shutdown.
@Suite struct NetworkRunsTests {
    private func factory(_ mode: PipeClient.Mode, _ record: PipeClient.Record) -> NetworkClientFactory {
        NetworkClientFactory { kind, context in kind == .http ? PipeClient(context, mode: mode, record: record) : nil }
    }

    @Test func readinessOfAClientSocketEndsTheRun() throws {
        let record = PipeClient.Record()
        let harness = try Harness(networkFactory: factory(.answer, record))
        #expect(harness.run(http()) == true)
        #expect(record.started.withLock { $0 } == [bytes("job")])
        #expect(harness.log.all.contains { $0.hasPrefix("[INFO] runner: job job (http) executed: pipe answered (rule rule, ran ") })
    }

    @Test func aClientThatFailsAtOnceEndsTheRunFailed() throws {
        let record = PipeClient.Record()
        let harness = try Harness(networkFactory: factory(.refuseAtOnce, record))
        #expect(harness.run(http()) == false)
        #expect(harness.log.all.contains { $0.hasPrefix("[WARN] runner: job job (http) failed: refused at once (rule rule, ran ") })
    }

    @Test func aKindWithoutAClientFailsAndSaysSoOnce() throws {
        let record = PipeClient.Record()
        let harness = try Harness(networkFactory: factory(.answer, record))
        let redis = RunnerSpec.redis(url: bytes("redis://127.0.0.1"), command: bytes("SET"), key: bytes("k"))
        #expect(harness.run(redis) == false)
        #expect(harness.run(redis) == false)
        #expect(harness.log.all.filter { $0 == "[WARN] runner redis is not available in this build" }.count == 1)
    }

    @Test func networkRunsShareTheConcurrencyLimitWithProcesses() throws {
        let record = PipeClient.Record()
        let harness = try Harness(RunnerConfig(concurrency: 2), networkFactory: factory(.hang, record))
        harness.submit(http(), id: "n1")
        harness.submit(http(), id: "n2")
        harness.submit(shell("true"), id: "p1")
        #expect(eventually { harness.stats.executionsInflight.load(ordering: .relaxed) == 2 })
        #expect(harness.stats.executionsPending.load(ordering: .relaxed) == 1)
        harness.drain()
        #expect(harness.outcomes.isEmpty)
    }

    @Test func aRunPastTheTimeoutIsCancelledAndFails() throws {
        let record = PipeClient.Record()
        let harness = try Harness(RunnerConfig(timeoutMs: 100), networkFactory: factory(.hang, record))
        #expect(harness.run(http()) == false)
        #expect(record.cancelled.withLock { $0 } == [1])
        #expect(harness.log.all.contains { $0.hasPrefix("[WARN] runner: job job (http) failed: exceeded 100 ms (rule rule, ran ") })
    }

    @Test func shutdownCancelsRunsAfterTheGraceAndClosesTheClient() throws {
        let record = PipeClient.Record()
        let harness = try Harness(networkFactory: factory(.hang, record))
        harness.submit(http(), id: "stuck")
        #expect(eventually { harness.stats.executionsInflight.load(ordering: .relaxed) == 1 })
        harness.pool.shutdown(graceMs: 50)
        harness.drain()
        #expect(harness.outcomes == [ExecutionOutcome(jobID: bytes("stuck"), generation: 1, success: false)])
        #expect(record.cancelled.withLock { $0 } == [1])
        let closed = record.closed.load(ordering: .relaxed)
        #expect(closed)
    }

    @Test func pollTokensOfChildrenAndClientsNeverCollide() {
        let child = PollTarget.output(ChildToken(slot: 0x7fff_ffff, generation: 0x7fff_ffff))
        #expect(PollTarget(token: child.token) == child)
        let client = PollTarget.network(client: 2, key: UInt32.max)
        #expect(PollTarget(token: client.token) == client)
        #expect(client.token != PollTarget.doorbell.token)
        #expect(PollTarget(token: PollTarget.doorbell.token) == .doorbell)
    }
}
