import Foundation
import Logging
import SwiftProtobuf
import Testing

@testable import KairosTelemetry

/// OTLP log records (D-telemetry): the encoding, byte for byte through the generated types, and
/// the bounded multi-producer queue's drop accounting.
@Suite struct LogExportTests {
    let encoder = OTLPEncoder(serviceName: "kairos-test", serviceVersion: "9.9.9")

    @Test func logRecordsRoundTrip() throws {
        let entries = [
            LogRecordEntry(level: .warning, message: "runner: job a (process) failed", timeNs: 1_700_000_000_123_456_789),
            LogRecordEntry(level: .error, message: "disk", timeNs: 5, attributes: [(key: "file", value: "logfile")]),
            LogRecordEntry(level: .critical, message: "fatal", timeNs: -1),
        ]
        let bytes: [UInt8] = try encoder.logsRequest(entries).serializedBytes()
        let decoded = try Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest(serializedBytes: bytes)
        try #require(decoded.resourceLogs.count == 1)
        let resource = decoded.resourceLogs[0]
        #expect(resource.resource.attributes.map(\.key) == ["service.name", "service.version"])
        #expect(resource.resource.attributes.map(\.value.stringValue) == ["kairos-test", "9.9.9"])
        try #require(resource.scopeLogs.count == 1)
        #expect(resource.scopeLogs[0].scope.name == "ztick")
        let records = resource.scopeLogs[0].logRecords
        #expect(records.map(\.severityNumber) == [.warn, .error, .fatal])
        #expect(records.map(\.severityNumber.rawValue) == [13, 17, 21])
        #expect(records.map(\.severityText) == ["WARN", "ERROR", "FATAL"])
        #expect(records.map(\.body.stringValue) == ["runner: job a (process) failed", "disk", "fatal"])
        #expect(records.map(\.timeUnixNano) == [1_700_000_000_123_456_789, 5, 0])
        #expect(records.map(\.observedTimeUnixNano) == [1_700_000_000_123_456_789, 5, 0])
        #expect(records[0].attributes.isEmpty)
        #expect(records[1].attributes.map(\.key) == ["file"])
        #expect(records[1].attributes.map(\.value.stringValue) == ["logfile"])
    }

    @Test func severitiesFollowOpenTelemetrysScale() {
        let levels: [Logger.Level] = [.trace, .debug, .info, .notice, .warning, .error, .critical]
        #expect(levels.map { OTLPEncoder.severity($0).number.rawValue } == [1, 5, 9, 10, 13, 17, 21])
    }

    @Test func aFullQueueDropsAndCountsAndTakeEmptiesIt() {
        let queue = LogRecordQueue(capacity: 3)
        let entries = (0..<5).map { LogRecordEntry(level: .warning, message: "m\($0)", timeNs: Int64($0)) }
        #expect(entries.map { queue.offer($0) } == [true, true, true, false, false])
        #expect(queue.dropped == 2)
        var taken: [LogRecordEntry] = []
        queue.take(into: &taken)
        #expect(taken == Array(entries.prefix(3)))
        var again: [LogRecordEntry] = []
        queue.take(into: &again)
        #expect(again.isEmpty)
        #expect(queue.offer(entries[4]))
        #expect(queue.dropped == 2)
    }

    /// Several threads offering at once: every record is either kept or counted as dropped.
    @Test func concurrentProducersLoseNothingUncounted() async {
        let queue = LogRecordQueue(capacity: 500)
        await withTaskGroup(of: Void.self) { group in
            for thread in 0..<4 {
                group.addTask {
                    for index in 0..<250 { queue.offer(LogRecordEntry(level: .error, message: "\(thread).\(index)", timeNs: 0)) }
                }
            }
        }
        var taken: [LogRecordEntry] = []
        queue.take(into: &taken)
        #expect(taken.count == 500)
        #expect(queue.dropped == 500)
        #expect(Set(taken.map(\.message)).count == 500)
    }
}
