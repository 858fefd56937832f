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
}

/// Called on the runner thread once per finished run, right after its log line. It must not
/// block: the runner thread also drives every network run.
public protocol RunObserver: AnyObject, Sendable {
    func runEnded(_ run: FinishedRun)
}

extension RunReport {
    var finishedRun: FinishedRun {
        FinishedRun(
            jobID: jobID, ruleID: ruleID, kind: kind, success: success, durationNs: durationNs, latenessNs: latenessNs,
            endedAtNs: Clock.wallNanoseconds())
    }
}
