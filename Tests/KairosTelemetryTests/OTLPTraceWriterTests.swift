import Foundation
import KairosSystem
import SwiftProtobuf
import Testing

@testable import KairosTelemetry

/// The hand-written `/v1/traces` bodies are exactly the bytes SwiftProtobuf writes for the same
/// message built from the generated types: any field left out, misnumbered or mis-sized shows.
@Suite struct OTLPTraceWriterTests {
    let encoder = OTLPEncoder(serviceName: "kairos-test", serviceVersion: "9.9.9")

    private func attribute(_ key: String, _ value: Opentelemetry_Proto_Common_V1_AnyValue.OneOf_Value) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var pair = Opentelemetry_Proto_Common_V1_KeyValue()
        pair.key = key
        pair.value.value = value
        return pair
    }

    /// The message the writer's bytes must equal, with the ids the writer chose.
    private func expected(_ records: [TelemetryRecord], ids: [(Data, Data)]) -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var scoped = Opentelemetry_Proto_Trace_V1_ScopeSpans()
        scoped.scope = encoder.scope
        scoped.spans = zip(records, ids).map { record, id in
            var span = Opentelemetry_Proto_Trace_V1_Span()
            span.traceID = id.0
            span.spanID = id.1
            switch record {
            case .request(let request):
                span.name = "ztick.request"
                span.kind = .server
                span.startTimeUnixNano = UInt64(max(0, request.startNs))
                span.endTimeUnixNano = UInt64(max(0, max(request.startNs, request.endNs)))
                span.attributes = [
                    attribute("ztick.request.id", .stringValue(String(decoding: request.requestID.bytes, as: UTF8.self))),
                    attribute("ztick.command", .stringValue(request.kind.name)),
                    attribute("ztick.success", .boolValue(request.success)),
                ]
            case .execution(let execution):
                span.name = "kairos.execution"
                span.kind = .internal
                span.startTimeUnixNano = UInt64(max(0, execution.startNs))
                span.endTimeUnixNano = UInt64(max(0, max(execution.startNs, execution.endNs)))
                span.attributes = [
                    attribute("kairos.job.id", .stringValue(String(decoding: execution.jobID, as: UTF8.self))),
                    attribute("kairos.rule.id", .stringValue(String(decoding: execution.ruleID, as: UTF8.self))),
                    attribute("kairos.runner.kind", .stringValue(execution.runnerKind)),
                    attribute("kairos.outcome", .stringValue(execution.success ? "executed" : "failed")),
                    attribute("kairos.lateness_ns", .intValue(execution.latenessNs)),
                ]
                span.status.code = execution.success ? .ok : .error
            }
            return span
        }
        var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        resourceSpans.resource = encoder.resource
        resourceSpans.scopeSpans = [scoped]
        var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
        request.resourceSpans = [resourceSpans]
        return request
    }

    private let records: [TelemetryRecord] = [
        .request(RequestSpanRecord(kind: .set, requestID: Array("r1".utf8), success: true, startNs: 1_765_000_000_123_456_789, endNs: 1_765_000_000_123_460_000)),
        // Empty id, zero times (left out, as proto3 defaults), end before start.
        .request(RequestSpanRecord(kind: .listRules, requestID: [], success: false, startNs: 0, endNs: 0)),
        .request(RequestSpanRecord(kind: .query, requestID: Array(repeating: 0x61, count: 200), success: true, startNs: 500, endNs: 400)),
        // Ill-formed UTF-8 in the id: U+FFFD, as `String(decoding:)`.
        .request(RequestSpanRecord(kind: .get, requestID: [0x66, 0xFF, 0x6F], success: true, startNs: 1, endNs: 2)),
        // Exactly 32 bytes (the inline capacity) and 33.
        .request(RequestSpanRecord(kind: .remove, requestID: Array(repeating: 0x62, count: 32), success: true, startNs: 1, endNs: 2)),
        .request(RequestSpanRecord(kind: .ruleSet, requestID: Array(repeating: 0x63, count: 33), success: true, startNs: 1, endNs: 2)),
        .execution(ExecutionSpanRecord(
            jobID: Array("job.1".utf8), ruleID: Array("rule.a".utf8), runnerKind: "process", success: true, latenessNs: 1_234_567,
            startNs: 5_000, endNs: 9_000)),
        .execution(ExecutionSpanRecord(
            jobID: Array("job.2".utf8), ruleID: [], runnerKind: "http", success: false, latenessNs: -3, startNs: 10, endNs: 20,
            traceID: Array(repeating: 0xAB, count: 16), spanID: Array(repeating: 0xCD, count: 8))),
    ]

    @Test func bytesAreSwiftProtobufsForTheSameMessage() throws {
        var writer = try OTLPTraceWriter(encoder)
        var ids = SplitMix64(seed: 5)
        let bytes = writer.body(records, ids: &ids)
        let decoded = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: bytes)
        let spans = decoded.resourceSpans[0].scopeSpans[0].spans
        #expect(spans.count == records.count)
        let message = expected(records, ids: spans.map { ($0.traceID, $0.spanID) })
        #expect(bytes == (try message.serializedBytes() as [UInt8]))
        // The ids came from the generator and are never all zeros.
        #expect(spans.allSatisfy { $0.traceID.count == 16 && $0.spanID.count == 8 })
        #expect(spans.allSatisfy { $0.traceID.contains { $0 != 0 } && $0.spanID.contains { $0 != 0 } })
        #expect(spans[7].traceID == Data(repeating: 0xAB, count: 16) && spans[7].spanID == Data(repeating: 0xCD, count: 8))
        #expect(Set(spans.map(\.traceID)).count == spans.count)
    }

    /// The writer reuses its buffers: a second, smaller batch carries nothing of the first.
    @Test func batchesAreIndependent() throws {
        var writer = try OTLPTraceWriter(encoder)
        var ids = SplitMix64(seed: 6)
        _ = writer.body(records, ids: &ids)
        let bytes = writer.body(records.prefix(1), ids: &ids)
        let decoded = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: bytes)
        let spans = decoded.resourceSpans[0].scopeSpans[0].spans
        #expect(spans.count == 1)
        let message = expected(Array(records.prefix(1)), ids: spans.map { ($0.traceID, $0.spanID) })
        #expect(bytes == (try message.serializedBytes() as [UInt8]))
        #expect(writer.body([], ids: &ids) == (try expected([], ids: []).serializedBytes() as [UInt8]))
    }

    @Test func longIDsSurviveTheRecord() {
        let long = Array(repeating: UInt8(0x7A), count: 4096)
        #expect(RequestIDBytes(long).bytes == long)
        #expect(RequestIDBytes(Array("abc".utf8)).bytes == Array("abc".utf8))
        #expect(RequestIDBytes([]).bytes == [])
        #expect(RequestIDBytes(Array("abc".utf8)) != RequestIDBytes(Array("abd".utf8)))
    }
}
