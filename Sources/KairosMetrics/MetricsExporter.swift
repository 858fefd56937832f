import KairosProtocol
import KairosSync
import KairosSystem
import Prometheus
import Synchronization

/// The settings `/metrics` reports beside the counters (the static part of STAT).
public struct MetricsInfo: Sendable {
    public var startedAtWallNs: Int64
    public var framerate: UInt16
    public var persistenceName: String
    public var authEnabled: Bool
    public var tlsEnabled: Bool

    public init(startedAtWallNs: Int64, framerate: UInt16, persistenceName: String, authEnabled: Bool, tlsEnabled: Bool) {
        self.startedAtWallNs = startedAtWallNs
        self.framerate = framerate
        self.persistenceName = persistenceName
        self.authEnabled = authEnabled
        self.tlsEnabled = tlsEnabled
    }
}

/// `GET /metrics` (D-http-api) in the Prometheus text format, rendered with swift-prometheus.
///
/// Confined to the reactor thread, which answers scrapes itself (the core is not involved).
/// The STAT values are the same one-writer atomics STAT reads; they are copied into gauges only
/// when a scrape asks, so the request path pays nothing for them. Requests (by the core) and
/// finished runs (by the runner thread) are plain counts of their owner thread, published in
/// batches (`BatchedCounters`). The reactor's own events are counted here: HTTP responses as a
/// plain count moved into their counter at scrape time; TLS handshakes and dropped connections,
/// rare, as one relaxed atomic add on a counter cached per label set, on the reactor thread only.
public final class MetricsExporter {
    public enum Listener: String, Sendable { case line, http }

    /// Why the reactor closed a connection on its own initiative.
    public enum DropReason: String, Sendable, CaseIterable {
        /// Accepted past `max_connections` and closed at once (D-limits).
        case maxConnections = "max_connections"
        /// A TLS handshake, AUTH or HTTP request that did not finish before its deadline.
        case deadline
        /// 64 MiB of replies queued for a client that does not read (D-connections).
        case slowReader = "slow_reader"
        /// A line-protocol request over 4096 bytes (docs/protocol.md#framing).
        case oversizedRequest = "oversized_request"
    }

    private let registry = PrometheusCollectorRegistry()
    private let stats: ServerStats
    private let info: MetricsInfo

    private let uptime: Gauge
    private let connections: Gauge
    private let jobsStored: Gauge
    private let jobsByStatus: [(Gauge, (ServerStats) -> Int)]
    private let rules: Gauge
    private let executionsPending: Gauge
    private let executionsInflight: Gauge
    private let journalBatches: Counter
    private var exportedJournalBatches = 0
    /// Counters filled by other threads (`AtomicCounters`: the core's triggers and requests, the
    /// runner thread's finished runs), moved in by their delta at each scrape: (source, index,
    /// counter, last exported value).
    private var coreCounters: [(AtomicCounters, Int, Counter, Int)] = []
    private let compression: [(Gauge, CompressionState)]

    /// HTTP responses by (method, code): plain counts on the response path, moved into
    /// `httpResponseCounters` by their delta at scrape time (the reactor is the only writer and
    /// the only reader).
    private var httpResponses: [HTTPKey: Int] = [:]
    private var httpResponseCounters: [HTTPKey: (counter: Counter, exported: Int)] = [:]
    private var handshakes: [HandshakeKey: Counter] = [:]
    private var drops: [DropReason: Counter] = [:]

    private struct HTTPKey: Hashable {
        /// Index in `httpMethods`, or its count for `other`.
        var method: Int
        var code: Int
    }

    private static let httpMethods: [[UInt8]] = ["GET", "PUT", "DELETE", "POST", "HEAD"].map { Array($0.utf8) }

    private struct HandshakeKey: Hashable {
        var listener: Listener
        var completed: Bool
    }

    public init(stats: ServerStats, info: MetricsInfo) {
        self.stats = stats
        self.info = info
        let registry = self.registry
        uptime = registry.makeGauge(
            descriptor: Self.named("kairos_uptime_seconds", "Seconds since the server started (STAT uptime_ns)."))
        connections = registry.makeGauge(
            descriptor: Self.named("kairos_connections", "Open client connections, line protocol and HTTP (STAT connections)."))
        jobsStored = registry.makeGauge(descriptor: Self.named("kairos_jobs", "Jobs in the table (STAT jobs_total)."))
        let statusHelp = "Jobs by status (STAT jobs_planned, jobs_triggered, jobs_executed, jobs_failed)."
        let byStatus: [(String, (ServerStats) -> Int)] = [
            ("planned", { $0.jobsPlanned.load(ordering: .relaxed) }),
            ("triggered", { $0.jobsTriggered.load(ordering: .relaxed) }),
            ("executed", { $0.jobsExecuted.load(ordering: .relaxed) }),
            ("failed", { $0.jobsFailed.load(ordering: .relaxed) }),
        ]
        jobsByStatus = byStatus.map { status, load in
            (registry.makeGauge(
                descriptor: Self.named("kairos_jobs_by_status", statusHelp),
                labels: [("status", status)]), load)
        }
        rules = registry.makeGauge(descriptor: Self.named("kairos_rules", "Rules in the table (STAT rules_total)."))
        executionsPending = registry.makeGauge(
            descriptor: Self.named("kairos_executions_pending", "Triggered runs waiting for a runner slot (STAT executions_pending)."))
        executionsInflight = registry.makeGauge(
            descriptor: Self.named("kairos_executions_inflight", "Runs executing now (STAT executions_inflight)."))
        journalBatches = registry.makeCounter(
            descriptor: Self.named(
                "kairos_journal_batches_total",
                "Rounds written to the logfile since the start (group commit: one write, and one fdatasync when fsync_on_persist, each)."))
        let runners = RunnerSpec.kindNames + ["none"]
        for (index, runner) in runners.enumerated() {
            let counter = registry.makeCounter(
                descriptor: Self.named(
                    "kairos_executions_triggered_total",
                    "Due jobs handed to a runner, by runner kind; none: failed at once for want of a rule."),
                labels: [("runner", runner)])
            coreCounters.append((stats.executionsTriggered, index, counter, 0))
        }
        // Finished runs by kind and outcome, counted by the runner thread (`BatchedCounters`).
        for (kind, name) in RunnerSpec.kindNames.enumerated() {
            for (failed, outcome) in [(false, "executed"), (true, "failed")] {
                let counter = registry.makeCounter(
                    descriptor: Self.named(
                        "kairos_executions_total",
                        "Runs that ended, by runner kind and outcome (executed: the runner reported success)."),
                    labels: [("kind", name), ("outcome", outcome)])
                coreCounters.append((stats.executionsFinished, ServerStats.executionSlot(kind: kind, failed: failed), counter, 0))
            }
        }
        // Answered requests, counted by the core (`BatchedCounters`).
        for (protocolIndex, protocolName) in RequestCountLayout.protocols.enumerated() {
            for (command, commandName) in RequestCountLayout.commands.enumerated() {
                for (offset, outcome) in RequestCountLayout.outcomes.enumerated() {
                    let counter = registry.makeCounter(
                        descriptor: Self.named(
                            "kairos_requests_total",
                            "Requests the scheduler core answered, by protocol, command (HTTP GET /jobs is query, PUT /rules/{id} ruleset, ...) and outcome (error: ERROR, not found, or refused by the journal)."),
                        labels: [("protocol", protocolName), ("command", commandName), ("outcome", outcome)])
                    let slot = RequestCountLayout.slot(protocol: protocolIndex, command: command) + offset
                    coreCounters.append((stats.requests, slot, counter, 0))
                }
            }
        }
        let compressionHelp = "1 for the current compaction state (STAT compression), 0 for the others."
        compression = [CompressionState.idle, .running, .success, .failure].map { state in
            (registry.makeGauge(
                descriptor: Self.named("kairos_compression_state", compressionHelp),
                labels: [("state", state.name)]), state)
        }
        // Settings: fixed for the server's life, set once.
        registry.makeGauge(
            descriptor: Self.named("kairos_persistence_info", "The persistence backend (STAT persistence); always 1."),
            labels: [("backend", info.persistenceName)]).set(Int64(1))
        registry.makeGauge(
            descriptor: Self.named("kairos_auth_enabled", "1 when an auth_file is configured (STAT auth_enabled)."))
            .set(Int64(info.authEnabled ? 1 : 0))
        registry.makeGauge(
            descriptor: Self.named("kairos_tls_enabled", "1 when the line protocol uses TLS (STAT tls_enabled)."))
            .set(Int64(info.tlsEnabled ? 1 : 0))
        registry.makeGauge(
            descriptor: Self.named("kairos_framerate_hertz", "Scheduler ticks per second (STAT framerate)."))
            .set(Int64(info.framerate))
        // Families that start empty still get their HELP and TYPE lines, and zero samples.
        for reason in DropReason.allCases { _ = dropCounter(reason) }
        for listener in [Listener.line, .http] {
            for completed in [true, false] { _ = handshakeCounter(listener, completed: completed) }
        }
    }

    // MARK: Events (reactor thread)

    /// One HTTP response sent. `method` is the request's, limited to the API's methods.
    public func countHTTPResponse(method: [UInt8], code: Int) {
        let known = Self.httpMethods.firstIndex(of: method) ?? Self.httpMethods.count
        httpResponses[HTTPKey(method: known, code: code), default: 0] &+= 1
    }

    public func countHandshake(_ listener: Listener, completed: Bool) {
        handshakeCounter(listener, completed: completed).increment()
    }

    public func countDrop(_ reason: DropReason) {
        dropCounter(reason).increment()
    }

    private func handshakeCounter(_ listener: Listener, completed: Bool) -> Counter {
        let key = HandshakeKey(listener: listener, completed: completed)
        if let counter = handshakes[key] { return counter }
        let counter = registry.makeCounter(
            descriptor: Self.named("kairos_tls_handshakes_total", "TLS handshakes by listener and outcome."),
            labels: [("listener", listener.rawValue), ("outcome", completed ? "completed" : "failed")])
        handshakes[key] = counter
        return counter
    }

    private func dropCounter(_ reason: DropReason) -> Counter {
        if let counter = drops[reason] { return counter }
        let counter = registry.makeCounter(
            descriptor: Self.named("kairos_connections_dropped_total", "Connections the server closed on its own initiative, by reason."),
            labels: [("reason", reason.rawValue)])
        drops[reason] = counter
        return counter
    }

    /// swift-prometheus 2.4 names metrics by descriptor; the names here are already complete.
    private static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    // MARK: Scrape

    /// The exposition text: the STAT values as of now, then every counter.
    public func render() -> [UInt8] {
        let uptimeNs = Clock.wallNanoseconds().subtractingReportingOverflow(info.startedAtWallNs)
        uptime.set(to: uptimeNs.overflow ? 0 : Double(max(uptimeNs.partialValue, 0)) / 1e9)
        connections.set(Int64(max(stats.connections.load(ordering: .relaxed), 0)))
        jobsStored.set(Int64(max(stats.jobsTotal.load(ordering: .relaxed), 0)))
        for (gauge, load) in jobsByStatus { gauge.set(Int64(max(load(stats), 0))) }
        rules.set(Int64(max(stats.rulesTotal.load(ordering: .relaxed), 0)))
        executionsPending.set(Int64(max(stats.executionsPending.load(ordering: .relaxed), 0)))
        executionsInflight.set(Int64(max(stats.executionsInflight.load(ordering: .relaxed), 0)))
        for slot in coreCounters.indices {
            let (source, index, counter, exported) = coreCounters[slot]
            let value = source.load(index)
            if value != exported {
                counter.increment(by: Int64(value &- exported))
                coreCounters[slot].3 = value
            }
        }
        // A counter kept by the journal writer: moved in by its delta since the last scrape.
        let batches = stats.journalBatches.load(ordering: .relaxed)
        if batches != exportedJournalBatches {
            journalBatches.increment(by: Int64(batches &- exportedJournalBatches))
            exportedJournalBatches = batches
        }
        for (key, count) in httpResponses {
            if let (counter, exported) = httpResponseCounters[key] {
                guard count != exported else { continue }
                counter.increment(by: Int64(count &- exported))
            } else {
                let method = key.method < Self.httpMethods.count ? String(decoding: Self.httpMethods[key.method], as: UTF8.self) : "other"
                let counter = registry.makeCounter(
                    descriptor: Self.named("kairos_http_responses_total", "HTTP API responses by request method and status code."),
                    labels: [("method", method), ("code", String(key.code))])
                counter.increment(by: Int64(count))
                httpResponseCounters[key] = (counter, count)
                continue
            }
            httpResponseCounters[key]!.exported = count
        }
        let current = CompressionState(rawValue: stats.compression.load(ordering: .relaxed)) ?? .idle
        for (gauge, state) in compression { gauge.set(Int64(state == current ? 1 : 0)) }
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        registry.emit(into: &out)
        Self.appendHistogram(
            "kairos_trigger_lateness_seconds",
            "How late due jobs were processed (now minus their execution time), in seconds.",
            stats.lateness, to: &out)
        Self.appendHistogram(
            "kairos_journal_fsync_seconds", "Duration of each fdatasync of the logfile, in seconds.", stats.fsyncLatency,
            to: &out)
        return out
    }

    /// A histogram family in the text format, written here because its buckets are filled by
    /// the core thread (`AtomicHistogram`), not by a swift-prometheus histogram on this one.
    static func appendHistogram(_ name: String, _ help: String, _ histogram: AtomicHistogram, to out: inout [UInt8]) {
        let (counts, sum) = histogram.snapshot()
        var text = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        var cumulative = 0
        for (index, bound) in histogram.bounds.enumerated() {
            cumulative += counts[index]
            text += "\(name)_bucket{le=\"\(seconds(bound))\"} \(cumulative)\n"
        }
        cumulative += counts[histogram.bounds.count]
        text += "\(name)_bucket{le=\"+Inf\"} \(cumulative)\n"
        text += "\(name)_sum \(seconds(sum))\n\(name)_count \(cumulative)\n"
        out.append(contentsOf: Array(text.utf8))
    }

    /// Nanoseconds as decimal seconds, exactly (no floating point): 1500000 → 0.0015.
    static func seconds(_ nanoseconds: Int64) -> String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = String(nanoseconds % 1_000_000_000)
        guard fraction != "0" else { return "\(whole)" }
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }
}
