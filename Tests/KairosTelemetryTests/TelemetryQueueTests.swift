import Logging
import KairosSync
import Synchronization
import Testing

@testable import KairosTelemetry

/// A full producer queue drops and counts; it never blocks and never loses count.
@Suite struct TelemetryQueueTests {
    private func record(_ index: Int) -> TelemetryRecord {
        .request(RequestSpanRecord(kind: .get, requestID: Array("\(index)".utf8), success: true, startNs: 0, endNs: 1))
    }

    @Test func overflowIsDroppedAndCounted() {
        let producer = TelemetryProducer(name: "core", capacity: 8)
        for index in 0..<20 { producer.offer(record(index)) }
        #expect(producer.dropped == 12)
        var drained: [TelemetryRecord] = []
        producer.ring.drain { drained.append($0) }
        // The first eight were kept, in order; the rest were the ones dropped.
        #expect(drained == (0..<8).map(record))
        producer.offer(record(99))
        #expect(producer.dropped == 12)
        #expect(producer.ring.pop() == record(99))
    }

    @Test func snapshotSumsTheDropsOfEveryProducer() throws {
        let settings = TelemetrySettings(
            endpoint: "http://127.0.0.1:9", serviceName: "t", serviceVersion: "0", flushIntervalMs: 1000, sampleRatio: 1,
            queueCapacity: 2)
        let service = try TelemetryService(settings: settings, stats: ServerStats(), startedAtNs: 0, logger: Logger(label: "t"))
        for index in 0..<5 { service.core.offer(record(index)) }
        for index in 0..<3 { service.runner.offer(record(index)) }
        #expect(service.core.dropped == 3)
        #expect(service.runner.dropped == 1)
        #expect(service.snapshot().droppedRecords == 4)
    }

    @Test func requestCountersFollowTheReference() {
        let counters = TelemetryCounters()
        counters.recordRequest(.set, success: true)
        counters.recordRequest(.set, success: false)
        counters.recordRequest(.remove, success: true)
        counters.recordRequest(.ruleSet, success: true)
        counters.recordRequest(.ruleSet, success: true)
        counters.recordRequest(.removeRule, success: true)
        counters.recordRequest(.removeRule, success: false)
        counters.recordRequest(.get, success: true)
        #expect(counters.jobsScheduled.load(ordering: .relaxed) == 1)
        #expect(counters.jobsRemoved.load(ordering: .relaxed) == 1)
        #expect(counters.rulesActive.load(ordering: .relaxed) == 1)
    }
}
