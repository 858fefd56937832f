import Synchronization

/// The reference's instruments (docs/compatibility.md#d-telemetry), kept where they change so nothing is lost to a full
/// queue: the core thread is the only writer of the request counters, the runner thread of
/// the execution ones. The telemetry thread reads them at each flush.
public final class TelemetryCounters: Sendable {
    /// Core thread: +1 per successful SET.
    public let jobsScheduled = Atomic<UInt64>(0)
    /// Core thread: +1 per successful REMOVE.
    public let jobsRemoved = Atomic<UInt64>(0)
    /// Core thread: +1 per successful RULE SET, -1 per successful REMOVERULE (as the reference,
    /// a replacement counts too).
    public let rulesActive = Atomic<Int64>(0)
    /// Runner thread: runs ended and the lateness histogram of the successful ones.
    private let executions = Mutex(ExecutionHistogram())

    public init() {}

    /// Runner thread, once per finished run. A lock here is one uncontended lock per run, not
    /// per request.
    public func recordExecution(success: Bool, latenessNs: Int64) {
        executions.withLock { $0.record(success: success, latenessNs: latenessNs) }
    }

    /// Telemetry thread.
    public func executionSnapshot() -> ExecutionHistogram {
        executions.withLock { $0 }
    }

    /// Core thread: applies one answered request.
    public func recordRequest(_ kind: RequestKind, success: Bool) {
        guard success else { return }
        switch kind {
        case .set: jobsScheduled.add(1, ordering: .relaxed)
        case .remove: jobsRemoved.add(1, ordering: .relaxed)
        case .ruleSet: rulesActive.add(1, ordering: .relaxed)
        case .removeRule: rulesActive.subtract(1, ordering: .relaxed)
        case .get, .query, .listRules: break
        }
    }
}

/// `jobs_executed` and `execution_duration_ms`: the histogram takes successful runs' lateness
/// (the reference's tick time minus execution time), in ms floored at 0.
public struct ExecutionHistogram: Sendable, Equatable {
    /// Upper bounds in ms, the OpenTelemetry SDK's default explicit buckets.
    public static let boundsMs: [Double] = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]

    public private(set) var executed: UInt64 = 0
    public private(set) var count: UInt64 = 0
    public private(set) var sumMs: Double = 0
    public private(set) var minMs: Double = .infinity
    public private(set) var maxMs: Double = 0
    public private(set) var buckets = [UInt64](repeating: 0, count: boundsMs.count + 1)

    public init() {}

    mutating func record(success: Bool, latenessNs: Int64) {
        executed += 1
        guard success else { return }
        let ms = Double(max(0, latenessNs)) / 1_000_000
        count += 1
        sumMs += ms
        minMs = min(minMs, ms)
        maxMs = max(maxMs, ms)
        // Buckets are (previous bound, bound]: the first bound that is >= ms.
        let index = Self.boundsMs.firstIndex { ms <= $0 } ?? Self.boundsMs.count
        buckets[index] += 1
    }
}
