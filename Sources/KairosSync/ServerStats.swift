import Synchronization

/// Counters that STAT reads without a lock (docs/protocol.md#stat-keys). Each has exactly one writer thread,
/// named on its declaration; everybody else only loads it (relaxed: STAT is advisory).
public final class ServerStats: Sendable {
    /// Writer: reactor thread. Open TCP connections, including those in handshake or AUTH.
    public let connections = Atomic<Int>(0)
    /// Writer: core thread.
    public let jobsTotal = Atomic<Int>(0)
    public let jobsPlanned = Atomic<Int>(0)
    public let jobsTriggered = Atomic<Int>(0)
    public let jobsExecuted = Atomic<Int>(0)
    public let jobsFailed = Atomic<Int>(0)
    public let rulesTotal = Atomic<Int>(0)
    /// Writer: runner thread. Runs waiting for a pool slot (D-execution).
    public let executionsPending = Atomic<Int>(0)
    /// Writer: runner thread. Runs executing now (D-execution).
    public let executionsInflight = Atomic<Int>(0)
    /// Writer: compaction thread. One of `CompressionState`'s raw values.
    public let compression = Atomic<UInt8>(CompressionState.idle.rawValue)
    /// Writer: core thread. Trigger lateness (now − execution, ns) of every due job the core
    /// processes, for `/metrics`: 1 ms to 1 min.
    public let lateness = AtomicHistogram(bounds: [
        1_000_000, 5_000_000, 10_000_000, 50_000_000, 100_000_000, 500_000_000,
        1_000_000_000, 5_000_000_000, 10_000_000_000, 60_000_000_000,
    ])
    /// Writer: core thread. Due jobs handed to a runner, by `RunnerSpec.kindIndex`, and at
    /// index `RunnerSpec.kindNames.count` those that failed for want of a rule.
    public let executionsTriggered = AtomicCounters(count: 7)
    /// Writer: core thread, through `BatchedCounters` (published once per batch of requests).
    /// Answers by protocol, command and outcome, laid out by `RequestCountLayout`.
    public let requests = AtomicCounters(count: RequestCountLayout.slotCount)
    /// Writer: runner thread, through `BatchedCounters` (published before the outcomes leave
    /// it). Finished runs at `executionSlot(kind:failed:)`.
    public let executionsFinished = AtomicCounters(count: 2 * 6)
    /// Writer: journal writer thread. Rounds written to the logfile (one write, and with
    /// `fsync_on_persist` one fdatasync, per round: group commit), for `/metrics`.
    public let journalBatches = Atomic<Int>(0)
    /// Writer: journal writer thread. Duration of each fdatasync of the logfile, ns: 50 µs to 1 s.
    public let fsyncLatency = AtomicHistogram(bounds: [
        50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000,
        25_000_000, 50_000_000, 100_000_000, 250_000_000, 1_000_000_000,
    ])

    public init() {}

    /// The slot of a run of `RunnerSpec.kindIndex` `kind` in `executionsFinished`.
    @inline(__always)
    public static func executionSlot(kind: Int, failed: Bool) -> Int { kind * 2 + (failed ? 1 : 0) }
}

/// STAT `compression` values (docs/protocol.md#stat-keys, D-compaction).
public enum CompressionState: UInt8, Sendable {
    case idle, running, success, failure

    public var name: String {
        switch self {
        case .idle: "idle"
        case .running: "running"
        case .success: "success"
        case .failure: "failure"
        }
    }
}
