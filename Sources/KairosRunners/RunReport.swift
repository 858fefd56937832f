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
        if let durationNs { text += ", ran \(Self.duration(durationNs))" }
        text += ", \(Self.duration(latenessNs)) late)"
        if !success && !output.isEmpty { text += "; output: \(output)" }
        return text
    }

    /// `12.3 ms` below 10 s, `42.5 s` below 10 min, then `3 h 05 min` and `12 d 04 h`: one
    /// decimal is as much as a scheduler's log needs, and a job SET years in the past should
    /// read as days late, not as twelve digits of milliseconds.
    static func duration(_ ns: Int64) -> String {
        let ns = max(0, ns)
        if ns < 10_000_000_000 { return tenths(ns, unit: 1_000_000, "ms") }
        if ns < 600_000_000_000 { return tenths(ns, unit: 1_000_000_000, "s") }
        let minutes = ns / 60_000_000_000
        if minutes < 48 * 60 { return "\(minutes / 60) h \(twoDigits(minutes % 60)) min" }
        let hours = minutes / 60
        return "\(hours / 24) d \(twoDigits(hours % 24)) h"
    }

    private static func tenths(_ ns: Int64, unit: Int64, _ name: String) -> String {
        let tenths = (ns + unit / 20) / (unit / 10)
        return "\(tenths / 10).\(tenths % 10) \(name)"
    }

    private static func twoDigits(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    static func text(_ bytes: Bytes) -> String { String(decoding: bytes, as: UTF8.self) }
}
