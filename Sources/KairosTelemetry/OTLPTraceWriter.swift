import SwiftProtobuf

/// Writes `/v1/traces` bodies (an `ExportTraceServiceRequest`) straight to protobuf bytes on
/// the telemetry thread.
///
/// Building the generated message types and serializing them cost about 7 µs a span (a
/// profile of B1 at `sample_ratio = 0.01`: the telemetry thread's whole share went to
/// SwiftProtobuf's traversal, boxing and copying); writing the few fields a span has directly
/// costs a small fraction of that. The bytes are those SwiftProtobuf would write for the same
/// message, field for field (`OTLPTraceWriterTests` compares them byte for byte); the resource
/// and scope, the same for every batch, are serialized once by SwiftProtobuf itself.
public struct OTLPTraceWriter {
    /// `ResourceSpans.resource` and `ScopeSpans.scope`, tag and length included.
    private let resourceField: [UInt8]
    private let scopeField: [UInt8]
    /// The batch's spans, each as a `ScopeSpans.spans` field; kept for its capacity.
    private var spans: [UInt8] = []
    /// One span's body while it is written.
    private var span: [UInt8] = []

    public init(_ encoder: OTLPEncoder) throws {
        var resource: [UInt8] = []
        resource.appendField(1, message: try encoder.resource.serializedBytes() as [UInt8])
        resourceField = resource
        var scope: [UInt8] = []
        scope.appendField(1, message: try encoder.scope.serializedBytes() as [UInt8])
        scopeField = scope
    }

    /// One export request for `records`; `ids` supplies the trace and span ids the records do
    /// not carry.
    public mutating func body(_ records: some Sequence<TelemetryRecord>, ids: inout some RandomNumberGenerator) -> [UInt8] {
        spans.removeAll(keepingCapacity: true)
        for record in records {
            span.removeAll(keepingCapacity: true)
            switch record {
            case .request(let request): Self.write(request, ids: &ids, into: &span)
            case .execution(let execution): Self.write(execution, ids: &ids, into: &span)
            }
            spans.appendField(2, message: span)
        }
        // ExportTraceServiceRequest { resource_spans(1) { resource(1), scope_spans(2) { scope(1), spans(2)... } } }
        let scopeSpansLength = scopeField.count + spans.count
        let resourceSpansLength = resourceField.count + 1 + Self.varintSize(UInt64(scopeSpansLength)) + scopeSpansLength
        var body: [UInt8] = []
        body.reserveCapacity(resourceSpansLength + 8)
        body.appendTag(1, wireType: 2)
        body.appendVarint(UInt64(resourceSpansLength))
        body += resourceField
        body.appendTag(2, wireType: 2)
        body.appendVarint(UInt64(scopeSpansLength))
        body += scopeField
        body += spans
        return body
    }

    // MARK: spans (fields in number order, defaults left out, as SwiftProtobuf writes them)

    static func write(_ record: RequestSpanRecord, ids: inout some RandomNumberGenerator, into span: inout [UInt8]) {
        writeIDs(traceID: nil, spanID: nil, ids: &ids, into: &span)
        span.appendField(5, string: requestName)
        span.appendTag(6, wireType: 0)
        span.appendVarint(UInt64(Opentelemetry_Proto_Trace_V1_Span.SpanKind.server.rawValue))
        writeTimes(record.startNs, record.endNs, into: &span)
        record.requestID.withBytes { id in
            // As `String(decoding:)` would: ill-formed UTF-8 becomes U+FFFD (a protobuf string
            // must be UTF-8; the receiver refuses anything else).
            let text = String(decoding: id, as: UTF8.self)
            span.appendAttribute(requestIDKey, stringUTF8: text.utf8)
        }
        span.appendAttribute(commandKey, stringUTF8: record.kind.name.utf8)
        span.appendAttribute(successKey, bool: record.success)
    }

    static func write(_ record: ExecutionSpanRecord, ids: inout some RandomNumberGenerator, into span: inout [UInt8]) {
        writeIDs(traceID: record.traceID, spanID: record.spanID, ids: &ids, into: &span)
        span.appendField(5, string: executionName)
        span.appendTag(6, wireType: 0)
        span.appendVarint(UInt64(Opentelemetry_Proto_Trace_V1_Span.SpanKind.internal.rawValue))
        writeTimes(record.startNs, record.endNs, into: &span)
        span.appendAttribute("kairos.job.id", stringUTF8: String(decoding: record.jobID, as: UTF8.self).utf8)
        span.appendAttribute("kairos.rule.id", stringUTF8: String(decoding: record.ruleID, as: UTF8.self).utf8)
        span.appendAttribute("kairos.runner.kind", stringUTF8: record.runnerKind.utf8)
        span.appendAttribute("kairos.outcome", stringUTF8: (record.success ? "executed" : "failed").utf8)
        span.appendAttribute("kairos.lateness_ns", int: record.latenessNs)
        // Status { code(3) }
        let code = record.success ? Opentelemetry_Proto_Trace_V1_Status.StatusCode.ok : .error
        span.appendTag(15, wireType: 2)
        span.appendVarint(2)
        span.appendTag(3, wireType: 0)
        span.appendVarint(UInt64(code.rawValue))
    }

    static let requestName: [UInt8] = Array("ztick.request".utf8)
    static let executionName: [UInt8] = Array("kairos.execution".utf8)
    static let requestIDKey = "ztick.request.id"
    static let commandKey = "ztick.command"
    static let successKey = "ztick.success"

    /// `trace_id`(1) and `span_id`(2): the record's, or new random ones, never all zeros (an
    /// all-zero id is invalid in OTLP).
    private static func writeIDs(traceID: [UInt8]?, spanID: [UInt8]?, ids: inout some RandomNumberGenerator, into span: inout [UInt8]) {
        span.appendTag(1, wireType: 2)
        span.appendVarint(16)
        if let traceID, traceID.count == 16 {
            span += traceID
        } else {
            var high: UInt64, low: UInt64
            repeat {
                high = ids.next()
                low = ids.next()
            } while high == 0 && low == 0
            span.appendLittleEndian(high)
            span.appendLittleEndian(low)
        }
        span.appendTag(2, wireType: 2)
        span.appendVarint(8)
        if let spanID, spanID.count == 8 {
            span += spanID
        } else {
            var word: UInt64
            repeat { word = ids.next() } while word == 0
            span.appendLittleEndian(word)
        }
    }

    /// `start_time_unix_nano`(7) and `end_time_unix_nano`(8), fixed64; the end never before the start.
    private static func writeTimes(_ startNs: Int64, _ endNs: Int64, into span: inout [UInt8]) {
        let start = UInt64(max(0, startNs))
        let end = UInt64(max(0, max(startNs, endNs)))
        if start != 0 {
            span.appendTag(7, wireType: 1)
            span.appendLittleEndian(start)
        }
        if end != 0 {
            span.appendTag(8, wireType: 1)
            span.appendLittleEndian(end)
        }
    }

    static func varintSize(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }
}

// MARK: protobuf wire format

extension [UInt8] {
    mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        append(UInt8(rest))
    }

    mutating func appendTag(_ field: Int, wireType: UInt8) {
        appendVarint(UInt64(field) << 3 | UInt64(wireType))
    }

    mutating func appendLittleEndian(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// A length-delimited field (a nested message, bytes or a string).
    mutating func appendField(_ field: Int, message: [UInt8]) {
        appendTag(field, wireType: 2)
        appendVarint(UInt64(message.count))
        self += message
    }

    mutating func appendField(_ field: Int, string: [UInt8]) {
        appendField(field, message: string)
    }

    /// `Span.attributes`(9): KeyValue { key(1), value(2): AnyValue { string_value(1) } }.
    mutating func appendAttribute(_ key: String, stringUTF8 value: String.UTF8View) {
        let valueCount = value.count
        let anyValueLength = 1 + OTLPTraceWriter.varintSize(UInt64(valueCount)) + valueCount
        appendKeyValueHead(key, anyValueLength: anyValueLength)
        appendTag(1, wireType: 2)
        appendVarint(UInt64(valueCount))
        append(contentsOf: value)
    }

    /// AnyValue { bool_value(2) }: written even when false (a oneof member is always written).
    mutating func appendAttribute(_ key: String, bool value: Bool) {
        appendKeyValueHead(key, anyValueLength: 2)
        appendTag(2, wireType: 0)
        append(value ? 1 : 0)
    }

    /// AnyValue { int_value(3) }: a negative value is the 10-byte varint of its two's complement.
    mutating func appendAttribute(_ key: String, int value: Int64) {
        let bits = UInt64(bitPattern: value)
        appendKeyValueHead(key, anyValueLength: 1 + OTLPTraceWriter.varintSize(bits))
        appendTag(3, wireType: 0)
        appendVarint(bits)
    }

    private mutating func appendKeyValueHead(_ key: String, anyValueLength: Int) {
        let keyCount = key.utf8.count
        let keyValueLength = 1 + OTLPTraceWriter.varintSize(UInt64(keyCount)) + keyCount
            + 1 + OTLPTraceWriter.varintSize(UInt64(anyValueLength)) + anyValueLength
        appendTag(9, wireType: 2)
        appendVarint(UInt64(keyValueLength))
        appendTag(1, wireType: 2)
        appendVarint(UInt64(keyCount))
        append(contentsOf: key.utf8)
        appendTag(2, wireType: 2)
        appendVarint(UInt64(anyValueLength))
    }
}
