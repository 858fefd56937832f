import KairosSync
import KairosSystem
import Logging
import Synchronization

/// The `kairos-otel` thread (D-telemetry): drains the producers' span queues and the log queue,
/// exports span batches to `/v1/traces`, log batches to `/v1/logs` and the instruments to
/// `/v1/metrics` every `flush_interval_ms`, and once more when stopped. Export failures are
/// logged (rate-limited) and otherwise ignored.
public final class TelemetryService: @unchecked Sendable {
    // Safety: `worker` is touched only by `start` and `stop`, which the owner calls from one
    // thread; `epoll` only by the telemetry thread; everything else is immutable or atomic.
    public let settings: TelemetrySettings
    public let counters = TelemetryCounters()
    /// One queue per producer thread (SPSC). The reactor has none: the only thing it knows
    /// that telemetry needs, the open connections, is already an atomic in `ServerStats`, and
    /// HTTP-originated commands reach the core like any other.
    public let core: TelemetryProducer
    public let runner: TelemetryProducer
    /// Warning-or-worse log lines from any thread (the server's log handler offers them);
    /// nil = logs are not exported.
    public let logs: LogRecordQueue?
    private let stats: ServerStats
    private let logger: Logger
    private let startedAtNs: Int64
    private let stopRequested = Atomic<Bool>(false)
    private let wake: Doorbell
    /// The telemetry thread sleeps here: on `wake` (stop) or its timeout.
    private let epoll: Epoll
    private var worker: WorkerThread?
    /// Exports that reached the collector / failed, for tests and the status line.
    public let exportsDelivered = Atomic<UInt64>(0)
    public let exportsFailed = Atomic<UInt64>(0)

    /// Spans waiting longer than this are sent even if the batch is not full.
    static let spanLatencyMs: Int64 = 200
    /// At most one warning per this period for drops and for failed exports.
    static let warningPeriodNs: Int64 = 10_000_000_000

    public init(
        settings: TelemetrySettings, stats: ServerStats, startedAtNs: Int64, logger: Logger, logs: LogRecordQueue? = nil
    ) throws(Errno) {
        self.settings = settings
        self.logs = logs
        self.stats = stats
        self.logger = logger
        self.startedAtNs = startedAtNs
        core = TelemetryProducer(name: "core", capacity: settings.queueCapacity)
        runner = TelemetryProducer(name: "runner", capacity: settings.queueCapacity)
        wake = try Doorbell()
        epoll = try Epoll(maxEvents: 1)
        try epoll.add(wake.descriptor, events: Epoll.readable, data: 1)
    }

    /// A sampler for one producer thread, seeded apart from the others.
    public func makeSampler(seed: UInt64) -> Sampler {
        Sampler(ratio: settings.sampleRatio, seed: UInt64(bitPattern: Clock.wallNanoseconds()) ^ seed)
    }

    public func start() throws(Errno) {
        worker = try WorkerThread(name: "kairos-otel") { [self] in run() }
    }

    /// Exports what is left (spans and a last metrics export) and joins the thread.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        wake.ringUnconditionally()
        worker?.join()
        worker = nil
    }

    // MARK: thread

    private func run() {
        let exporter = OTLPHTTPExporter(endpoint: settings.endpoint, caFile: settings.caFile)
        let encoder = OTLPEncoder(serviceName: settings.serviceName, serviceVersion: settings.serviceVersion)
        // Serializing the resource and scope once cannot fail for messages this simple; if it
        // ever did, spans would go unexported and the failure be logged, nothing else.
        var traceWriter = try? OTLPTraceWriter(encoder)
        if traceWriter == nil { logger.error("telemetry: cannot encode the trace resource; spans are not exported") }
        var ids = SplitMix64(seed: UInt64(bitPattern: Clock.wallNanoseconds()) &* 0x9E37_79B9_7F4A_7C15)
        var pending: [TelemetryRecord] = []
        var pendingLogs: [LogRecordEntry] = []
        var oldestLog: Int64 = 0
        /// The log queue's array is swapped with this one, so neither side allocates once warm.
        var spareLogs: [LogRecordEntry] = []
        var warnings = WarningGate(periodNs: Self.warningPeriodNs)
        let flushNs = Int64(settings.flushIntervalMs) * 1_000_000
        var nextMetrics = Clock.monotonicNanoseconds() + flushNs
        var oldestPending: Int64 = 0
        var reportedDrops: UInt64 = 0

        /// False when an export failed: at shutdown the rest is then given up, so a dead
        /// collector costs one timeout, not one per batch.
        func exportSpans() -> Bool {
            guard traceWriter != nil else {
                pending.removeAll()
                return true
            }
            var sent = 0
            defer { pending.removeFirst(sent) }
            while sent < pending.count {
                let batch = pending[sent..<min(pending.count, sent + settings.maxBatch)]
                sent += batch.count
                let body = traceWriter!.body(batch, ids: &ids)
                guard deliver(exporter.post(path: "/v1/traces", body: body), what: "traces", warnings: &warnings) else {
                    return false
                }
            }
            return true
        }
        /// As `exportSpans`.
        func exportLogs() -> Bool {
            while !pendingLogs.isEmpty {
                let batch = Array(pendingLogs.prefix(settings.maxBatch))
                pendingLogs.removeFirst(batch.count)
                let body = try? encoder.logsRequest(batch).serializedBytes() as [UInt8]
                guard deliver(exporter.post(path: "/v1/logs", body: body ?? []), what: "logs", warnings: &warnings) else {
                    return false
                }
            }
            return true
        }
        func exportMetrics() {
            let body = try? encoder.metricsRequest(snapshot(), startNs: startedAtNs, nowNs: Clock.wallNanoseconds())
                .serializedBytes() as [UInt8]
            deliver(exporter.post(path: "/v1/metrics", body: body ?? []), what: "metrics", warnings: &warnings)
        }

        while true {
            let stopping = stopRequested.load(ordering: .acquiring)
            let before = pending.count
            for producer in [core, runner] {
                producer.ring.drain { pending.append($0) }
            }
            let now = Clock.monotonicNanoseconds()
            if before == 0 && !pending.isEmpty { oldestPending = now }
            if let logs {
                logs.take(into: &spareLogs)
                if pendingLogs.isEmpty && !spareLogs.isEmpty { oldestLog = now }
                pendingLogs.append(contentsOf: spareLogs)
                spareLogs.removeAll(keepingCapacity: true)
            }
            let dropped = droppedTotal
            if dropped > reportedDrops, warnings.allow(now: now, slot: 0) {
                logger.warning("telemetry: \(dropped - reportedDrops) records dropped (queue full; \(dropped) in all)")
                reportedDrops = dropped
            }
            var spansDelivered = true
            if stopping || pending.count >= settings.maxBatch || (!pending.isEmpty && now - oldestPending >= Self.spanLatencyMs * 1_000_000) {
                spansDelivered = exportSpans()
                if !spansDelivered { pending.removeAll() }
            }
            if stopping && !spansDelivered { return }
            var logsDelivered = true
            if stopping || pendingLogs.count >= settings.maxBatch
                || (!pendingLogs.isEmpty && now - oldestLog >= Self.spanLatencyMs * 1_000_000)
            {
                logsDelivered = exportLogs()
                if !logsDelivered { pendingLogs.removeAll() }
            }
            if stopping && !logsDelivered { return }
            if stopping || now >= nextMetrics {
                exportMetrics()
                nextMetrics = Clock.monotonicNanoseconds() + flushNs
            }
            if stopping { return }
            let untilMetrics = max(0, nextMetrics - Clock.monotonicNanoseconds()) / 1_000_000
            let idle = pending.isEmpty && pendingLogs.isEmpty
            let timeout = idle ? min(untilMetrics, 50) : min(untilMetrics, Self.spanLatencyMs / 4)
            // Producers do not ring: a 50 ms poll keeps their path to one ring push.
            try? epoll.wait(timeoutMs: Int32(timeout)) { _, _ in wake.acknowledge() }
        }
    }

    /// Span and log records dropped because their queue was full.
    private var droppedTotal: UInt64 { core.dropped + runner.dropped + (logs?.dropped ?? 0) }

    @discardableResult
    private func deliver(_ result: OTLPHTTPExporter.Result, what: String, warnings: inout WarningGate) -> Bool {
        switch result {
        case .delivered:
            exportsDelivered.add(1, ordering: .relaxed)
            return true
        case .failed(let why):
            defer { exportsFailed.add(1, ordering: .relaxed) }
            if warnings.allow(now: Clock.monotonicNanoseconds(), slot: 1) {
                logger.warning("telemetry: exporting \(what) to \(settings.endpoint) failed: \(why) (further failures for 10 s not logged)")
            }
            return false
        }
    }

    /// The instruments and the STAT gauges, read now.
    func snapshot() -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        let requests = RequestInstruments(counts: stats.requests)
        snapshot.jobsScheduled = requests.jobsScheduled
        snapshot.jobsRemoved = requests.jobsRemoved
        snapshot.rulesActive = requests.rulesActive
        snapshot.connectionsActive = Int64(stats.connections.load(ordering: .relaxed))
        snapshot.executions = counters.executionSnapshot()
        snapshot.droppedRecords = droppedTotal
        snapshot.statGauges = [
            ("uptime_ns", Clock.wallNanoseconds() - startedAtNs),
            ("connections", Int64(stats.connections.load(ordering: .relaxed))),
            ("jobs_total", Int64(stats.jobsTotal.load(ordering: .relaxed))),
            ("jobs_planned", Int64(stats.jobsPlanned.load(ordering: .relaxed))),
            ("jobs_triggered", Int64(stats.jobsTriggered.load(ordering: .relaxed))),
            ("jobs_executed", Int64(stats.jobsExecuted.load(ordering: .relaxed))),
            ("jobs_failed", Int64(stats.jobsFailed.load(ordering: .relaxed))),
            ("rules_total", Int64(stats.rulesTotal.load(ordering: .relaxed))),
            ("executions_pending", Int64(stats.executionsPending.load(ordering: .relaxed))),
            ("executions_inflight", Int64(stats.executionsInflight.load(ordering: .relaxed))),
        ]
        return snapshot
    }
}

/// At most one warning per period for each of a few kinds.
struct WarningGate {
    let periodNs: Int64
    private var last: [Int64] = [Int64.min / 2, Int64.min / 2]

    init(periodNs: Int64) { self.periodNs = periodNs }

    mutating func allow(now: Int64, slot: Int) -> Bool {
        guard now - last[slot] >= periodNs else { return false }
        last[slot] = now
        return true
    }
}
