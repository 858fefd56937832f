/// The scheduler commands that get a `ztick.request` span (docs/compatibility.md#d-telemetry: every command but STAT).
public enum RequestKind: UInt8, Sendable, CaseIterable {
    case set, get, query, remove, removeRule, ruleSet, listRules

    /// The reference's `ztick.command` attribute value.
    public var name: String {
        switch self {
        case .set: "set"
        case .get: "get"
        case .query: "query"
        case .remove: "remove"
        case .removeRule: "remove_rule"
        case .ruleSet: "rule_set"
        case .listRules: "list_rules"
        }
    }
}

/// One sampled request, as the core thread hands it over: enough for one SERVER span, in a
/// fixed-size value (no reference to count, nothing to allocate for ids up to 32 bytes). The
/// telemetry thread does the rest: ids, attributes, encoding.
public struct RequestSpanRecord: Sendable, Equatable {
    public var kind: RequestKind
    public var requestID: RequestIDBytes
    public var success: Bool
    /// Wall-clock ns since the epoch.
    public var startNs: Int64
    public var endNs: Int64

    @inline(__always)
    public init(kind: RequestKind, requestID: RequestIDBytes, success: Bool, startNs: Int64, endNs: Int64) {
        self.kind = kind
        self.requestID = requestID
        self.success = success
        self.startNs = startNs
        self.endNs = endNs
    }

    public init(kind: RequestKind, requestID: [UInt8], success: Bool, startNs: Int64, endNs: Int64) {
        self.init(kind: kind, requestID: RequestIDBytes(requestID), success: success, startNs: startNs, endNs: endNs)
    }
}

/// One finished run, as the runner thread hands it over: one `kairos.execution` span.
public struct ExecutionSpanRecord: Sendable, Equatable {
    public var jobID: [UInt8]
    public var ruleID: [UInt8]
    /// `shell`, `direct`, `http`, ...
    public var runnerKind: String
    public var success: Bool
    /// Start minus the job's execution time, ns.
    public var latenessNs: Int64
    /// Wall-clock ns since the epoch.
    public var startNs: Int64
    public var endNs: Int64
    /// The ids the run got when it started (network runs; http sent them as `traceparent`);
    /// nil = the exporter makes new ones.
    public var traceID: [UInt8]?
    public var spanID: [UInt8]?

    public init(
        jobID: [UInt8], ruleID: [UInt8], runnerKind: String, success: Bool, latenessNs: Int64, startNs: Int64,
        endNs: Int64, traceID: [UInt8]? = nil, spanID: [UInt8]? = nil
    ) {
        self.jobID = jobID
        self.ruleID = ruleID
        self.runnerKind = runnerKind
        self.success = success
        self.latenessNs = latenessNs
        self.startNs = startNs
        self.endNs = endNs
        self.traceID = traceID
        self.spanID = spanID
    }
}

/// What travels through a producer's ring to the telemetry thread.
public enum TelemetryRecord: Sendable, Equatable {
    case request(RequestSpanRecord)
    case execution(ExecutionSpanRecord)
}
