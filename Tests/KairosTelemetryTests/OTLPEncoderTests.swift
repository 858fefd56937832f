import Foundation
import KairosSystem
import SwiftProtobuf
import Testing

@testable import KairosTelemetry

/// Every record type is encoded, serialized, decoded back with the generated types and
/// compared field by field.
@Suite struct OTLPEncoderTests {
    let encoder = OTLPEncoder(serviceName: "kairos-test", serviceVersion: "9.9.9")

    private func attributes(_ pairs: [Opentelemetry_Proto_Common_V1_KeyValue]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: pairs.map { pair in
            let value: String
            switch pair.value.value {
            case .stringValue(let text): value = "s:" + text
            case .boolValue(let flag): value = "b:\(flag)"
            case .intValue(let number): value = "i:\(number)"
            default: value = "?"
            }
            return (pair.key, value)
        })
    }

    @Test func requestSpanRoundTrip() throws {
        var ids = SplitMix64(seed: 7)
        let record = RequestSpanRecord(kind: .removeRule, requestID: Array("r42".utf8), success: false, startNs: 1_000, endNs: 3_500)
        var writer = try OTLPTraceWriter(encoder)
        let bytes = writer.body([.request(record)], ids: &ids)
        let decoded = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: bytes)
        #expect(decoded.resourceSpans.count == 1)
        let resource = decoded.resourceSpans[0]
        #expect(attributes(resource.resource.attributes) == ["service.name": "s:kairos-test", "service.version": "s:9.9.9"])
        #expect(resource.scopeSpans.count == 1)
        #expect(resource.scopeSpans[0].scope.name == "ztick")
        let span = try #require(resource.scopeSpans[0].spans.first)
        #expect(span.name == "ztick.request")
        #expect(span.kind == .server)
        #expect(span.startTimeUnixNano == 1_000)
        #expect(span.endTimeUnixNano == 3_500)
        #expect(span.traceID.count == 16 && span.spanID.count == 8)
        #expect(span.parentSpanID.isEmpty)
        #expect(attributes(span.attributes) == ["ztick.request.id": "s:r42", "ztick.command": "s:remove_rule", "ztick.success": "b:false"])
    }

    @Test func commandNamesAreTheReferences() {
        #expect(RequestKind.allCases.map(\.name) == ["set", "get", "query", "remove", "remove_rule", "rule_set", "list_rules"])
    }

    @Test func executionSpanRoundTrip() throws {
        var ids = SplitMix64(seed: 9)
        let record = ExecutionSpanRecord(
            jobID: Array("job.1".utf8), ruleID: Array("rule.a".utf8), runnerKind: "shell", success: true,
            latenessNs: 1_234_567, startNs: 5_000, endNs: 9_000)
        let failed = ExecutionSpanRecord(
            jobID: Array("job.2".utf8), ruleID: [], runnerKind: "http", success: false, latenessNs: -3, startNs: 10, endNs: 20,
            traceID: Array(repeating: 0xAB, count: 16), spanID: Array(repeating: 0xCD, count: 8))
        var writer = try OTLPTraceWriter(encoder)
        let bytes = writer.body([.execution(record), .execution(failed)], ids: &ids)
        let decoded = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: bytes)
        let spans = decoded.resourceSpans[0].scopeSpans[0].spans
        #expect(spans.count == 2)
        #expect(spans[0].name == "kairos.execution")
        #expect(spans[0].kind == .internal)
        #expect(spans[0].parentSpanID.isEmpty)
        #expect(spans[0].status.code == .ok)
        #expect(spans[0].startTimeUnixNano == 5_000 && spans[0].endTimeUnixNano == 9_000)
        #expect(attributes(spans[0].attributes) == [
            "kairos.job.id": "s:job.1", "kairos.rule.id": "s:rule.a", "kairos.runner.kind": "s:shell",
            "kairos.outcome": "s:executed", "kairos.lateness_ns": "i:1234567",
        ])
        #expect(spans[1].status.code == .error)
        #expect(spans[1].traceID == Data(repeating: 0xAB, count: 16))
        #expect(spans[1].spanID == Data(repeating: 0xCD, count: 8))
        #expect(attributes(spans[1].attributes)["kairos.outcome"] == "s:failed")
        #expect(attributes(spans[1].attributes)["kairos.lateness_ns"] == "i:-3")
        #expect(spans[0].traceID != spans[1].traceID)
    }

    @Test func metricsRoundTrip() throws {
        var snapshot = MetricsSnapshot()
        snapshot.jobsScheduled = 3
        snapshot.jobsRemoved = 1
        snapshot.rulesActive = -1
        snapshot.connectionsActive = 2
        snapshot.droppedRecords = 5
        let counters = TelemetryCounters()
        counters.recordExecution(success: true, latenessNs: 7_000_000)
        counters.recordExecution(success: true, latenessNs: -5)
        counters.recordExecution(success: false, latenessNs: 999_000_000)
        snapshot.executions = counters.executionSnapshot()
        snapshot.statGauges = [("jobs_total", 4), ("rules_total", 0)]
        let bytes: [UInt8] = try encoder.metricsRequest(snapshot, startNs: 100, nowNs: 200).serializedBytes()
        let decoded = try Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest(serializedBytes: bytes)
        let scoped = decoded.resourceMetrics[0].scopeMetrics[0]
        #expect(scoped.scope.name == "ztick")
        let byName = Dictionary(uniqueKeysWithValues: scoped.metrics.map { ($0.name, $0) })
        #expect(scoped.metrics.map(\.name) == [
            "jobs_scheduled", "jobs_removed", "jobs_executed", "execution_duration_ms", "rules_active",
            "connections_active", "persistence_compactions", "kairos.telemetry.dropped",
            "kairos.stat.jobs_total", "kairos.stat.rules_total",
        ])
        func sum(_ name: String) -> (Int64, Bool, UInt64, UInt64)? {
            guard case .sum(let data)? = byName[name]?.data, data.aggregationTemporality == .cumulative,
                let point = data.dataPoints.first
            else { return nil }
            return (point.asInt, data.isMonotonic, point.startTimeUnixNano, point.timeUnixNano)
        }
        #expect(sum("jobs_scheduled")! == (3, true, 100, 200))
        #expect(sum("jobs_removed")! == (1, true, 100, 200))
        #expect(sum("jobs_executed")! == (3, true, 100, 200))
        #expect(sum("rules_active")! == (-1, false, 100, 200))
        #expect(sum("connections_active")! == (2, false, 100, 200))
        #expect(sum("persistence_compactions")! == (0, true, 100, 200))
        #expect(sum("kairos.telemetry.dropped")! == (5, true, 100, 200))
        guard case .gauge(let gauge)? = byName["kairos.stat.jobs_total"]?.data else {
            Issue.record("kairos.stat.jobs_total is not a gauge")
            return
        }
        #expect(gauge.dataPoints.map(\.asInt) == [4])
        guard case .histogram(let histogram)? = byName["execution_duration_ms"]?.data else {
            Issue.record("execution_duration_ms is not a histogram")
            return
        }
        let point = try #require(histogram.dataPoints.first)
        // Two successful runs (7 ms and a negative lateness floored at 0); the failed one is not timed.
        #expect(point.count == 2)
        #expect(point.sum == 7.0)
        #expect(point.min == 0.0 && point.max == 7.0)
        #expect(point.explicitBounds == ExecutionHistogram.boundsMs)
        #expect(point.bucketCounts.count == ExecutionHistogram.boundsMs.count + 1)
        #expect(point.bucketCounts[0] == 1)  // 0 ms: (-inf, 0]
        #expect(point.bucketCounts[2] == 1)  // 7 ms: (5, 10]
        #expect(point.bucketCounts.reduce(0, +) == 2)
        #expect(byName["execution_duration_ms"]?.unit == "ms")
    }
}
