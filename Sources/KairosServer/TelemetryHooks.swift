import KairosCore
import KairosProtocol
import KairosRunners
import KairosSystem
import KairosTelemetry

/// The core thread's telemetry hook: when sampled, hands a `ztick.request` span record to the
/// telemetry thread. The reference's request instruments cost nothing here: the telemetry
/// thread derives them from the core's own request counts (`RequestInstruments`). An unsampled
/// request costs one decrement and a branch (`Sampler`); a sampled one a clock read, a copy of
/// its id and one push of a fixed-size record (the encoding is the telemetry thread's), or,
/// when the queue is full, only the drop count.
final class RequestTelemetry {
    private let producer: TelemetryProducer
    private var sampler: Sampler
    /// When the previous request was sampled and handled just before this one in the same
    /// turn: its end time, which is this one's start (one clock read per span, not two). Else 0.
    private var previousEnd: Int64 = 0
    /// The turn `previousEnd` belongs to (the core loop's `now`, taken once per turn).
    private var previousTurn: Int64 = 0

    init(service: TelemetryService) {
        self.producer = service.core
        self.sampler = service.makeSampler(seed: 0xC0DE)
    }

    /// Core thread: handles `envelope` through `core` and records it.
    @inline(__always)
    func handle(_ envelope: RequestEnvelope, core: SchedulerCore, now: Int64) {
        guard sampler.next() else {
            previousEnd = 0
            core.handle(envelope, now: now)
            return
        }
        handleSampled(envelope, core: core, now: now)
    }

    /// A request the sampler kept. STAT and malformed requests are kept like any other (so every
    /// command is kept with the same probability, independently) but get no span.
    private func handleSampled(_ envelope: RequestEnvelope, core: SchedulerCore, now: Int64) {
        guard let kind = Self.kind(of: envelope.request.command), !producer.dropIfFull() else {
            previousEnd = 0
            core.handle(envelope, now: now)
            return
        }
        // The id is copied before `handle`, which hands the request's arrays back for reuse.
        let requestID = RequestIDBytes(envelope.request.id)
        let start = previousEnd != 0 && previousTurn == now ? previousEnd : Clock.wallNanoseconds()
        core.handle(envelope, now: now)
        let end = Clock.wallNanoseconds()
        previousEnd = end
        previousTurn = now
        producer.offer(.request(RequestSpanRecord(
            kind: kind, requestID: requestID, success: !core.lastRequestFailed, startNs: start, endNs: end)))
    }

    /// nil for STAT (no span, docs/protocol.md#stat-keys) and for malformed requests, which are no command.
    static func kind(of command: Command) -> RequestKind? {
        switch command {
        case .set, .setRecurring: .set
        case .get, .info: .get
        case .query: .query
        case .remove: .remove
        case .removeRule: .removeRule
        case .ruleSet: .ruleSet
        // The HTTP API's rule reads have no command of their own in the reference's names.
        case .listRules, .getRule, .queryRules: .listRules
        case .stat, .malformed: nil
        }
    }
}

/// The runner thread's telemetry hook: `jobs_executed`, `execution_duration_ms` and one
/// `kairos.execution` span per run. Network runs get their span's ids as they start
/// (`newTraceParent`), so the http runner's `traceparent` and the exported span agree.
final class RunTelemetry: RunObserver, @unchecked Sendable {
    // Safety: `ids` is used only on the runner thread (both protocol methods are called there).
    private let service: TelemetryService
    private var ids: SplitMix64

    init(service: TelemetryService) {
        self.service = service
        var seed = SystemRandomNumberGenerator()
        ids = SplitMix64(seed: seed.next())
    }

    /// Every execution span is exported (sample_ratio applies to request spans), so the
    /// `sampled` flag is always set.
    func newTraceParent() -> TraceParent? {
        TraceParent.random(using: &ids)
    }

    func runEnded(_ run: FinishedRun) {
        service.counters.recordExecution(success: run.success, latenessNs: run.latenessNs)
        service.runner.offer(.execution(ExecutionSpanRecord(
            jobID: run.jobID, ruleID: run.ruleID, runnerKind: run.kind, success: run.success, latenessNs: run.latenessNs,
            startNs: run.endedAtNs - (run.durationNs ?? 0), endNs: run.endedAtNs,
            traceID: run.traceParent?.traceIDBytes, spanID: run.traceParent?.spanIDBytes)))
    }
}
