import KairosProtocol

/// The one log line every run ends with: job, kind, outcome and why, rule, how long it ran
/// and how late it started; for a failed process run, the tail of what it printed. Executed
/// runs are logged at info, failed ones at warning.
struct RunReport {
    let jobID: Bytes
    let kind: String
    let success: Bool
    /// "exit status 0", "HTTP 204", "killed by signal 9 after exceeding 200 ms", ...
    let detail: String
    let ruleID: Bytes
    /// Monotonic ns from start to end; nil when the run never started.
    let durationNs: Int64?
    /// Wall-clock start minus the job's execution time, ns.
    let latenessNs: Int64
    /// What the process printed (failed process runs only; empty otherwise).
    var output = ""
    /// The run's trace context (network runs with telemetry on), for the observer.
    var traceParent: TraceParent? = nil

    var line: String {
        var text = "runner: job \(Self.text(jobID)) (\(kind)) \(success ? "executed" : "failed"): \(detail) (rule \(Self.text(ruleID))"
        if let durationNs { text += ", ran \(Self.milliseconds(durationNs))" }
        text += ", \(Self.milliseconds(latenessNs)) late)"
        if !success && !output.isEmpty { text += "; output: \(output)" }
        return text
    }

    /// `12.3 ms`: one decimal, which is as much as a scheduler's log needs.
    static func milliseconds(_ ns: Int64) -> String {
        let tenths = (max(0, ns) + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10) ms"
    }

    static func text(_ bytes: Bytes) -> String { String(decoding: bytes, as: UTF8.self) }
}
