import KairosProtocol

/// What INFO reports about a recurring job's past runs, journaled with its schedule so it
/// survives restarts and compaction (issue 15).
public struct RunCounters: Sendable, Equatable {
    /// Finished runs (including failures for lack of a rule).
    public var runs: UInt64 = 0
    public var failures: UInt64 = 0
    /// `executed` or `failed` of the last finished run; nil before the first one.
    public var lastOutcome: JobStatus?
    /// Due time of the last finished run (ns).
    public var lastAt: Int64 = 0
    /// Retries already made for the current failure streak (0 after a success).
    public var attempt: UInt16 = 0

    public init(runs: UInt64 = 0, failures: UInt64 = 0, lastOutcome: JobStatus? = nil, lastAt: Int64 = 0, attempt: UInt16 = 0) {
        self.runs = runs
        self.failures = failures
        self.lastOutcome = lastOutcome
        self.lastAt = lastAt
        self.attempt = attempt
    }
}

/// A recurring job's schedule and counters, kept by the core beside the job's record.
struct RecurringJob: Equatable {
    var recurrence: Recurrence
    var counters: RunCounters
}
