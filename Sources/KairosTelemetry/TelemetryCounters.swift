import KairosSync
import Synchronization

/// The reference's instruments (docs/compatibility.md#d-telemetry), kept where they change so nothing is lost to a full
/// queue. The request instruments (`jobs_scheduled`, `jobs_removed`, `rules_active`) are not
/// counted here at all: they are read from the core's own request counts (`ServerStats.requests`,
/// which the core keeps in plain memory and publishes once per batch for `/metrics`), so a
/// request costs telemetry no atomic read-modify-write. The runner thread is the only writer of
/// the execution ones. The telemetry thread reads both at each flush.
public final class TelemetryCounters: Sendable {
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
}

/// The request instruments as the reference defines them, derived from the core's request
/// counts (`RequestCountLayout`): successful SETs (recurring ones included) and REMOVEs, and
/// successful RULE SETs minus successful REMOVERULEs (a replacement counts, as in the
/// reference), over both protocols. A mutation counts as successful once its journal entry is
/// durable, the same moment `/metrics` counts it `ok`.
public struct RequestInstruments: Sendable, Equatable {
    public var jobsScheduled: UInt64
    public var jobsRemoved: UInt64
    public var rulesActive: Int64

    public init(jobsScheduled: UInt64, jobsRemoved: UInt64, rulesActive: Int64) {
        self.jobsScheduled = jobsScheduled
        self.jobsRemoved = jobsRemoved
        self.rulesActive = rulesActive
    }

    /// Read by the telemetry thread at each flush (relaxed loads: at most one batch late).
    public init(counts requests: AtomicCounters) {
        func ok(_ label: String) -> Int {
            guard let command = RequestCountLayout.commands.firstIndex(of: label) else { return 0 }
            return RequestCountLayout.protocols.indices.reduce(0) { total, protocolIndex in
                total &+ requests.load(RequestCountLayout.slot(protocol: protocolIndex, command: command))
            }
        }
        jobsScheduled = UInt64(max(0, ok("set")))
        jobsRemoved = UInt64(max(0, ok("remove")))
        rulesActive = Int64(ok("ruleset") &- ok("removerule"))
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
