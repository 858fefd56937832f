/// A W3C Trace Context `traceparent` (version 00) for one run (D-telemetry): the trace and span
/// ids of the run's `kairos.execution` span, chosen when the run starts so that the http runner
/// can send them and the exported span carries exactly the same ids. The receiving service then
/// makes its own spans children of the run's.
public struct TraceParent: Sendable, Equatable {
    /// The 16-byte trace id as two big-endian halves.
    public let traceHigh: UInt64
    public let traceLow: UInt64
    /// The 8-byte parent id: the execution span's id.
    public let spanID: UInt64
    /// The `sampled` flag (01). Execution spans are always exported, so Kairos sends true.
    public let sampled: Bool

    /// nil for an all-zero trace or span id, which W3C Trace Context (and OTLP) declare invalid.
    public init?(traceHigh: UInt64, traceLow: UInt64, spanID: UInt64, sampled: Bool = true) {
        guard traceHigh | traceLow != 0, spanID != 0 else { return nil }
        self.traceHigh = traceHigh
        self.traceLow = traceLow
        self.spanID = spanID
        self.sampled = sampled
    }

    /// Fresh ids from `random` (drawn again in the one-in-2^64 case of a zero id).
    public static func random(using random: inout some RandomNumberGenerator, sampled: Bool = true) -> TraceParent {
        while true {
            let made = TraceParent(traceHigh: random.next(), traceLow: random.next(), spanID: random.next(), sampled: sampled)
            if let made { return made }
        }
    }

    /// The trace id's 16 bytes, most significant first (OTLP's `trace_id`).
    public var traceIDBytes: [UInt8] { Self.bigEndian(traceHigh) + Self.bigEndian(traceLow) }

    /// The span id's 8 bytes, most significant first (OTLP's `span_id`).
    public var spanIDBytes: [UInt8] { Self.bigEndian(spanID) }

    /// `00-<32 hex>-<16 hex>-<01|00>`, lowercase hex as the specification requires: 55 bytes.
    public var headerValue: String {
        var out: [UInt8] = []
        out.reserveCapacity(55)
        out.append(contentsOf: "00-".utf8)
        Self.appendHex(traceHigh, to: &out)
        Self.appendHex(traceLow, to: &out)
        out.append(UInt8(ascii: "-"))
        Self.appendHex(spanID, to: &out)
        out.append(contentsOf: (sampled ? "-01" : "-00").utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// The header line libcurl is given.
    public var headerLine: String { "traceparent: " + headerValue }

    private static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    private static func appendHex(_ value: UInt64, to out: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        for shift in stride(from: 60, through: 0, by: -4) {
            out.append(digits[Int((value >> UInt64(shift)) & 0xF)])
        }
    }
}
