import KairosMetrics
import KairosProtocol
import KairosSync
import Testing

@Suite struct MetricsExporterTests {
    /// The exposition's sample lines (families come out in no fixed order), sorted.
    func samples(_ exporter: MetricsExporter) -> [String] {
        String(decoding: exporter.render(), as: UTF8.self).split(separator: "\n").map(String.init)
            .filter {
                !$0.hasPrefix("#") && !$0.hasPrefix("kairos_uptime_seconds ") && !$0.hasPrefix("kairos_journal_fsync_seconds_bucket")
            }.sorted()
    }

    @Test func statValuesAndEvents() {
        let stats = ServerStats()
        let exporter = MetricsExporter(
            stats: stats,
            info: MetricsInfo(startedAtWallNs: 0, framerate: 64, persistenceName: "logfile", authEnabled: true, tlsEnabled: false))
        stats.connections.store(3, ordering: .relaxed)
        stats.jobsTotal.store(5, ordering: .relaxed)
        stats.jobsPlanned.store(2, ordering: .relaxed)
        stats.jobsFailed.store(3, ordering: .relaxed)
        stats.rulesTotal.store(-1, ordering: .relaxed)  // transiently negative: shown as 0, like STAT
        stats.compression.store(CompressionState.running.rawValue, ordering: .relaxed)
        stats.lateness.record(500_000)  // ≤ 1 ms
        stats.lateness.record(7_000_000)  // ≤ 10 ms
        stats.lateness.record(-5)  // counts as 0
        stats.lateness.record(90_000_000_000)  // past the last bound
        stats.journalBatches.store(3, ordering: .relaxed)
        stats.executionsTriggered.increment(RunnerSpec.shell(command: []).kindIndex)
        stats.executionsTriggered.increment(RunnerSpec.shell(command: []).kindIndex)
        stats.executionsTriggered.increment(RunnerSpec.kindNames.count)  // no rule
        stats.executionsFinished.store(ServerStats.executionSlot(kind: 0, failed: true), 1)
        stats.fsyncLatency.record(300_000)
        stats.fsyncLatency.record(2_000_000_000)
        exporter.countHTTPResponse(method: Array("GET".utf8), code: 200)
        exporter.countHTTPResponse(method: Array("GET".utf8), code: 200)
        exporter.countHTTPResponse(method: Array("BREW".utf8), code: 405)
        exporter.countHandshake(.http, completed: true)
        exporter.countDrop(.deadline)
        stats.requests.store(RequestCountLayout.slot(protocol: 0, command: 8), 1)  // line stat ok
        stats.requests.store(RequestCountLayout.slot(protocol: 0, command: 0), 2)  // line set ok
        stats.requests.store(RequestCountLayout.slot(protocol: 1, command: 10), 1)  // http queryrules ok
        #expect(samples(exporter).filter {
            !($0.hasPrefix("kairos_requests_total") || $0.hasPrefix("kairos_executions_total")) || !$0.hasSuffix(" 0")
        } == [
            "kairos_auth_enabled 1.0",
            "kairos_compression_state{state=\"failure\"} 0.0",
            "kairos_compression_state{state=\"idle\"} 0.0",
            "kairos_compression_state{state=\"running\"} 1.0",
            "kairos_compression_state{state=\"success\"} 0.0",
            "kairos_connections 3.0",
            "kairos_connections_dropped_total{reason=\"deadline\"} 1",
            "kairos_connections_dropped_total{reason=\"max_connections\"} 0",
            "kairos_connections_dropped_total{reason=\"oversized_request\"} 0",
            "kairos_connections_dropped_total{reason=\"slow_reader\"} 0",
            "kairos_executions_inflight 0.0",
            "kairos_executions_pending 0.0",
            "kairos_executions_total{kind=\"shell\",outcome=\"failed\"} 1",
            "kairos_executions_triggered_total{runner=\"amqp\"} 0",
            "kairos_executions_triggered_total{runner=\"awf\"} 0",
            "kairos_executions_triggered_total{runner=\"direct\"} 0",
            "kairos_executions_triggered_total{runner=\"http\"} 0",
            "kairos_executions_triggered_total{runner=\"none\"} 1",
            "kairos_executions_triggered_total{runner=\"redis\"} 0",
            "kairos_executions_triggered_total{runner=\"shell\"} 2",
            "kairos_framerate_hertz 64.0",
            "kairos_http_responses_total{method=\"GET\",code=\"200\"} 2",
            "kairos_http_responses_total{method=\"other\",code=\"405\"} 1",
            "kairos_jobs 5.0",
            "kairos_jobs_by_status{status=\"executed\"} 0.0",
            "kairos_jobs_by_status{status=\"failed\"} 3.0",
            "kairos_jobs_by_status{status=\"planned\"} 2.0",
            "kairos_jobs_by_status{status=\"triggered\"} 0.0",
            "kairos_journal_batches_total 3",
            "kairos_journal_fsync_seconds_count 2",
            "kairos_journal_fsync_seconds_sum 2.0003",
            "kairos_persistence_info{backend=\"logfile\"} 1.0",
            "kairos_requests_total{protocol=\"http\",command=\"queryrules\",outcome=\"ok\"} 1",
            "kairos_requests_total{protocol=\"line\",command=\"set\",outcome=\"ok\"} 2",
            "kairos_requests_total{protocol=\"line\",command=\"stat\",outcome=\"ok\"} 1",
            "kairos_rules 0.0",
            "kairos_tls_enabled 0.0",
            "kairos_tls_handshakes_total{listener=\"http\",outcome=\"completed\"} 1",
            "kairos_tls_handshakes_total{listener=\"http\",outcome=\"failed\"} 0",
            "kairos_tls_handshakes_total{listener=\"line\",outcome=\"completed\"} 0",
            "kairos_tls_handshakes_total{listener=\"line\",outcome=\"failed\"} 0",
            "kairos_trigger_lateness_seconds_bucket{le=\"+Inf\"} 4",
            "kairos_trigger_lateness_seconds_bucket{le=\"0.001\"} 2",
            "kairos_trigger_lateness_seconds_bucket{le=\"0.005\"} 2",
            "kairos_trigger_lateness_seconds_bucket{le=\"0.01\"} 3",
            "kairos_trigger_lateness_seconds_bucket{le=\"0.05\"} 3",
            "kairos_trigger_lateness_seconds_bucket{le=\"0.1\"} 3",
            "kairos_trigger_lateness_seconds_bucket{le=\"0.5\"} 3",
            "kairos_trigger_lateness_seconds_bucket{le=\"1\"} 3",
            "kairos_trigger_lateness_seconds_bucket{le=\"10\"} 3",
            "kairos_trigger_lateness_seconds_bucket{le=\"5\"} 3",
            "kairos_trigger_lateness_seconds_bucket{le=\"60\"} 3",
            "kairos_trigger_lateness_seconds_count 4",
            "kairos_trigger_lateness_seconds_sum 90.0075",
        ])
        // Counts move into the counters by their delta at each scrape, never twice.
        stats.requests.store(RequestCountLayout.slot(protocol: 0, command: 8), 2)
        #expect(samples(exporter).contains("kairos_requests_total{protocol=\"line\",command=\"stat\",outcome=\"ok\"} 2"))
        #expect(samples(exporter).contains("kairos_requests_total{protocol=\"line\",command=\"set\",outcome=\"ok\"} 2"))
        #expect(samples(exporter).filter { $0.hasPrefix("kairos_requests_total") }.count == 48)
        #expect(samples(exporter).filter { $0.hasPrefix("kairos_executions_total") }.count == 12)
        let text = String(decoding: exporter.render(), as: UTF8.self)
        #expect(text.contains("\nkairos_journal_fsync_seconds_bucket{le=\"0.00025\"} 0\nkairos_journal_fsync_seconds_bucket{le=\"0.0005\"} 1\n"))
        #expect(text.contains("\nkairos_journal_fsync_seconds_bucket{le=\"1\"} 1\nkairos_journal_fsync_seconds_bucket{le=\"+Inf\"} 2\n"))
        // The batch counter moves by its delta: a second scrape does not add it again.
        #expect(text.contains("\nkairos_journal_batches_total 3\n"))
        #expect(text.contains("# TYPE kairos_http_responses_total counter\n"))
        #expect(text.contains("# HELP kairos_http_responses_total HTTP API responses by request method and status code.\n"))
        #expect(text.contains("# HELP kairos_jobs Jobs in the table (STAT jobs_total).\n"))
        #expect(text.contains("\nkairos_uptime_seconds "))
    }

    /// The families of issue 11's last items, byte for byte: requests by protocol, command and
    /// outcome, and finished runs by runner kind and outcome, for known counts.
    @Test func requestAndExecutionFamiliesExactly() {
        let stats = ServerStats()
        let exporter = MetricsExporter(
            stats: stats,
            info: MetricsInfo(startedAtWallNs: 0, framerate: 64, persistenceName: "memory", authEnabled: false, tlsEnabled: false))
        let set = RequestCountLayout.commands.firstIndex(of: "set")!
        let get = RequestCountLayout.commands.firstIndex(of: "get")!
        stats.requests.store(RequestCountLayout.slot(protocol: 0, command: set), 1234)
        stats.requests.store(RequestCountLayout.slot(protocol: 0, command: set) + 1, 5)
        stats.requests.store(RequestCountLayout.slot(protocol: 1, command: get) + 1, 2)
        stats.executionsFinished.store(ServerStats.executionSlot(kind: 0, failed: false), 3)
        stats.executionsFinished.store(ServerStats.executionSlot(kind: 3, failed: true), 1)
        stats.executionsFinished.store(ServerStats.executionSlot(kind: 5, failed: false), 9)
        let text = String(decoding: exporter.render(), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(text.contains(
            "# HELP kairos_executions_total Runs that ended, by runner kind and outcome (executed: the runner reported success).\n# TYPE kairos_executions_total counter\n"))
        #expect(text.contains(
            "# HELP kairos_requests_total Requests the scheduler core answered, by protocol, command (HTTP GET /jobs is query, PUT /rules/{id} ruleset, ...) and outcome (error: ERROR, not found, or refused by the journal).\n# TYPE kairos_requests_total counter\n"))
        #expect(lines.filter { $0.hasPrefix("kairos_executions_total{") }.sorted() == [
            "kairos_executions_total{kind=\"amqp\",outcome=\"executed\"} 0",
            "kairos_executions_total{kind=\"amqp\",outcome=\"failed\"} 0",
            "kairos_executions_total{kind=\"awf\",outcome=\"executed\"} 0",
            "kairos_executions_total{kind=\"awf\",outcome=\"failed\"} 0",
            "kairos_executions_total{kind=\"direct\",outcome=\"executed\"} 0",
            "kairos_executions_total{kind=\"direct\",outcome=\"failed\"} 0",
            "kairos_executions_total{kind=\"http\",outcome=\"executed\"} 0",
            "kairos_executions_total{kind=\"http\",outcome=\"failed\"} 1",
            "kairos_executions_total{kind=\"redis\",outcome=\"executed\"} 9",
            "kairos_executions_total{kind=\"redis\",outcome=\"failed\"} 0",
            "kairos_executions_total{kind=\"shell\",outcome=\"executed\"} 3",
            "kairos_executions_total{kind=\"shell\",outcome=\"failed\"} 0",
        ])
        let requests = lines.filter { $0.hasPrefix("kairos_requests_total{") }
        #expect(requests.filter { !$0.hasSuffix("} 0") }.sorted() == [
            "kairos_requests_total{protocol=\"http\",command=\"get\",outcome=\"error\"} 2",
            "kairos_requests_total{protocol=\"line\",command=\"set\",outcome=\"error\"} 5",
            "kairos_requests_total{protocol=\"line\",command=\"set\",outcome=\"ok\"} 1234",
        ])
        // Every (protocol, command, outcome) has its zero sample from the first scrape on.
        #expect(requests.count == 2 * 12 * 2)
        #expect(requests.contains("kairos_requests_total{protocol=\"http\",command=\"malformed\",outcome=\"ok\"} 0"))
        // A second scrape adds only what changed since the first.
        stats.requests.store(RequestCountLayout.slot(protocol: 0, command: set), 1240)
        let again = String(decoding: exporter.render(), as: UTF8.self)
        #expect(again.contains("\nkairos_requests_total{protocol=\"line\",command=\"set\",outcome=\"ok\"} 1240\n"))
        #expect(again.contains("\nkairos_requests_total{protocol=\"http\",command=\"get\",outcome=\"error\"} 2\n"))
    }
}
