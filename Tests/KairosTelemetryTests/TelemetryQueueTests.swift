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

    /// `dropIfFull` lets the core skip building a record: it counts exactly what `offer` would
    /// have dropped, and nothing while there is room.
    @Test func dropIfFullCountsLikeOffer() {
        let producer = TelemetryProducer(name: "core", capacity: 4)
        #expect(!producer.dropIfFull())
        for index in 0..<4 { producer.offer(record(index)) }
        #expect(producer.dropped == 0)
        #expect(producer.dropIfFull())
        #expect(producer.dropIfFull())
        #expect(producer.dropped == 2)
        _ = producer.ring.pop()
        #expect(!producer.dropIfFull())
        producer.offer(record(4))
        producer.offer(record(5))
        #expect(producer.dropped == 3)
        var drained: [TelemetryRecord] = []
        producer.ring.drain { drained.append($0) }
        #expect(drained == [1, 2, 3, 4].map(record))
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

    /// The request instruments come from the core's request counts: `ok` SETs and REMOVEs of
    /// both protocols, `ok` RULE SETs minus `ok` REMOVERULEs; errors and reads count for nothing.
    @Test func requestInstrumentsFollowTheReference() {
        let stats = ServerStats()
        func bump(_ protocolIndex: Int, _ label: String, failed: Bool = false, times: Int = 1) {
            let command = RequestCountLayout.commands.firstIndex(of: label)!
            let slot = RequestCountLayout.slot(protocol: protocolIndex, command: command) + (failed ? 1 : 0)
            for _ in 0..<times { stats.requests.increment(slot) }
        }
        bump(0, "set", times: 2)
        bump(1, "set")
        bump(0, "set", failed: true)
        bump(0, "remove")
        bump(0, "remove", failed: true)
        bump(0, "ruleset", times: 2)
        bump(1, "ruleset")
        bump(0, "removerule")
        bump(0, "removerule", failed: true)
        bump(0, "get", times: 5)
        bump(1, "getrule")
        let instruments = RequestInstruments(counts: stats.requests)
        #expect(instruments == RequestInstruments(jobsScheduled: 3, jobsRemoved: 1, rulesActive: 2))
        let settings = TelemetrySettings(
            endpoint: "http://127.0.0.1:9", serviceName: "t", serviceVersion: "0", flushIntervalMs: 1000, sampleRatio: 1)
        let service = try? TelemetryService(settings: settings, stats: stats, startedAtNs: 0, logger: Logger(label: "t"))
        let snapshot = service?.snapshot()
        #expect(snapshot?.jobsScheduled == 3 && snapshot?.jobsRemoved == 1 && snapshot?.rulesActive == 2)
    }
}
