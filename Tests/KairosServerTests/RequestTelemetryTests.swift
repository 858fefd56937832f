import KairosCore
import KairosProtocol
import KairosSync
@testable import KairosTelemetry
import Logging
import Testing

@testable import KairosServer

/// The core thread's telemetry hook: what it queues for the telemetry thread, and that the
/// request instruments come from the core's own counts.
@Suite struct RequestTelemetryTests {
    private let stats = ServerStats()

    private func service(ratio: Double, capacity: Int = 64) throws -> TelemetryService {
        let settings = TelemetrySettings(
            endpoint: "http://127.0.0.1:9", serviceName: "t", serviceVersion: "0", flushIntervalMs: 1000, sampleRatio: ratio,
            queueCapacity: capacity)
        return try TelemetryService(settings: settings, stats: stats, startedAtNs: 0, logger: Logger(label: "t"))
    }

    private func core() -> SchedulerCore {
        let config = CoreConfig(framerate: 512, persistenceName: "memory", authEnabled: false, tlsEnabled: false, startedAtWallNs: 0)
        return SchedulerCore(config: config, journal: MemoryJournal(), stats: stats)
    }

    private func envelope(_ id: String, _ command: Command) -> RequestEnvelope {
        RequestEnvelope(
            client: ClientTag(slot: 1, generation: 1), namespace: .unrestricted, request: Request(id: Array(id.utf8), command: command))
    }

    private func drain(_ service: TelemetryService) -> [RequestSpanRecord] {
        var records: [RequestSpanRecord] = []
        service.core.ring.drain { record in
            if case .request(let request) = record { records.append(request) }
        }
        return records
    }

    @Test func sampledRequestsBecomeSpanRecords() throws {
        let service = try service(ratio: 1)
        let hook = RequestTelemetry(service: service)
        let core = core()
        hook.handle(envelope("r1", .set(job: Array("a".utf8), execution: 5)), core: core, now: 1)
        hook.handle(envelope("r2", .get(job: Array("nope".utf8))), core: core, now: 1)
        hook.handle(envelope("r3", .stat), core: core, now: 1)
        hook.handle(envelope("r4", .remove(job: Array("a".utf8))), core: core, now: 1)
        hook.handle(envelope("a-request-id-longer-than-32-bytes!", .ruleSet(rule: Array("x".utf8), pattern: [], runner: .shell(command: Array("true".utf8)))), core: core, now: 2)
        let records = drain(service)
        #expect(records.map(\.kind) == [.set, .get, .remove, .ruleSet])
        #expect(records.map { String(decoding: $0.requestID.bytes, as: UTF8.self) } == ["r1", "r2", "r4", "a-request-id-longer-than-32-bytes!"])
        #expect(records.map(\.success) == [true, false, true, true])
        #expect(records.allSatisfy { $0.startNs > 0 && $0.startNs <= $0.endNs })
        // Back to back in one turn: one clock read serves as one span's end and the next's start.
        #expect(records[1].startNs == records[0].endNs)
        // STAT came between (kept, no span): a fresh reading, not the previous span's end.
        #expect(records[2].startNs >= records[1].endNs)
        #expect(service.core.dropped == 0)
        // The instruments come from the core's request counts once published.
        core.publishCounters()
        let snapshot = service.snapshot()
        #expect(snapshot.jobsScheduled == 1 && snapshot.jobsRemoved == 1 && snapshot.rulesActive == 1)
    }

    @Test func aFullQueueCountsDropsAndTheRequestsAreStillAnswered() throws {
        let service = try service(ratio: 1, capacity: 4)
        let hook = RequestTelemetry(service: service)
        let core = core()
        for index in 0..<10 {
            hook.handle(envelope("r\(index)", .set(job: Array("j\(index)".utf8), execution: 5)), core: core, now: 1)
        }
        #expect(service.core.dropped == 6)
        #expect(drain(service).map { String(decoding: $0.requestID.bytes, as: UTF8.self) } == ["r0", "r1", "r2", "r3"])
        var answers: [UInt8] = []
        core.collectResponses { answers += $0.bytes }
        #expect(String(decoding: answers, as: UTF8.self) == (0..<10).map { "r\($0) OK\n" }.joined())
    }

    @Test func ratioZeroQueuesNothing() throws {
        let service = try service(ratio: 0)
        let hook = RequestTelemetry(service: service)
        let core = core()
        for index in 0..<1_000 {
            hook.handle(envelope("r\(index)", .get(job: Array("a".utf8))), core: core, now: Int64(index))
        }
        #expect(drain(service).isEmpty)
        #expect(service.core.dropped == 0)
    }
}
