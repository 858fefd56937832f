import KairosProtocol

/// One logfile entry (docs/logfile-format.md#entries). The byte encoding lives in KairosStore; the core only
/// produces and consumes these values.
public enum LogEntry: Sendable, Equatable {
    case job(id: Bytes, execution: Int64, status: JobStatus)
    case rule(id: Bytes, pattern: Bytes, runner: RunnerSpec)
    case jobRemoval(id: Bytes)
    case ruleRemoval(id: Bytes)
    /// The schedule of the job `id` (issue 15), journaled right after that job's entry. A job
    /// entry makes its job one-shot again; this entry, applied after it, makes it recurring.
    case schedule(id: Bytes, recurrence: Recurrence, counters: RunCounters)
}
