import KairosProtocol
import KairosSystem

/// One finished run, as observers outside the runners see it.
public struct FinishedRun: Sendable {
    public var jobID: Bytes
    public var ruleID: Bytes
    public var kind: String
    public var success: Bool
    /// Monotonic ns from start to end; nil when the run never started.
    public var durationNs: Int64?
    /// Start minus the job's execution time, ns.
    public var latenessNs: Int64
    /// Wall clock when the run ended, ns since the epoch.
    public var endedAtNs: Int64
    /// The ids `RunObserver.newTraceParent` gave the run when it started (network runs; the
    /// http runner sent them as `traceparent`); nil for other runs and without an observer.
    public var traceParent: TraceParent?
}

/// Called on the runner thread once per finished run, right after its log line. It must not
/// block: the runner thread also drives every network run.
public protocol RunObserver: AnyObject, Sendable {
    func runEnded(_ run: FinishedRun)
    /// Called on the runner thread as a network run starts: the trace context the run carries
    /// (the http runner sends it as `traceparent`) and reports back in `FinishedRun`. nil = none.
    func newTraceParent() -> TraceParent?
}

extension RunObserver {
    public func newTraceParent() -> TraceParent? { nil }
}

extension RunReport {
    var finishedRun: FinishedRun {
        FinishedRun(
            jobID: jobID, ruleID: ruleID, kind: kind, success: success, durationNs: durationNs, latenessNs: latenessNs,
            endedAtNs: Clock.wallNanoseconds(), traceParent: traceParent)
    }
}
