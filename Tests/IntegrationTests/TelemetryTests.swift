import Foundation
import Glibc
import Testing

/// The real binary exporting OTLP/HTTP to a real receiver (D-telemetry): a Python server that decodes
/// every body with the official opentelemetry-proto package and logs what it decoded.
@Suite struct TelemetryTests {
    /// `Fixtures/otlp_receiver.py` on a free loopback port, stopped by PID.
    final class Receiver {
        let port: UInt16
        let log: URL
        private let process = Process()

        /// `tls`: certificate and key files; the receiver then speaks https.
        init(directory: URL, tls: (certificate: String, key: String)? = nil) throws {
            port = try ServerProcess.freePort()
            log = directory.appendingPathComponent("otlp.jsonl")
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/otlp_receiver.py")
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script.path, String(port), log.path] + (tls.map { [$0.certificate, $0.key] } ?? [])
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let port = self.port
            guard ServerProcess.eventually(timeout: 15, { (try? TestClient(port: port, timeout: 1)) != nil }) else {
                stop()
                throw ServerProcess.Failure(description: "the OTLP receiver did not start (is opentelemetry-proto installed?)")
            }
        }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        deinit { stop() }

        /// Every decoded request so far.
        var entries: [[String: Any]] {
            guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
        }

        var errors: [String] { entries.compactMap { $0["error"] as? String } }

        /// TLS handshakes the receiver saw fail, but for the readiness probe's (a plain TCP
        /// connection closed before any handshake: UNEXPECTED_EOF).
        var tlsFailures: [String] {
            entries.compactMap { $0["tls_failure"] as? String }.filter { !$0.contains("UNEXPECTED_EOF") }
        }

        /// Every log record received, in arrival order.
        var logs: [[String: Any]] { entries.flatMap { ($0["logs"] as? [[String: Any]]) ?? [] } }

        /// The metrics of the newest metrics export.
        var latestMetrics: [String: Any]? {
            entries.last { $0["path"] as? String == "/v1/metrics" }?["metrics"] as? [String: Any]
        }

        var metricsExports: Int { entries.filter { $0["path"] as? String == "/v1/metrics" }.count }

        /// Every span received, in arrival order.
        var spans: [[String: Any]] {
            entries.flatMap { ($0["spans"] as? [[String: Any]]) ?? [] }
        }

        func spans(named name: String) -> [[String: Any]] { spans.filter { $0["name"] as? String == name } }
    }

    private static func telemetry(_ port: UInt16, ratio: String = "1.0", flushMs: Int = 200, scheme: String = "") -> String {
        """
        [telemetry]
        enabled = true
        endpoint = "\(scheme)127.0.0.1:\(port)"
        service_name = "kairos-it"
        flush_interval_ms = \(flushMs)
        sample_ratio = \(ratio)
        """
    }

    private static func int(_ value: Any?) -> Int? { (value as? NSNumber)?.intValue }

    @Test func metricsAndSpansReachTheCollector() throws {
        let directory = try ServerProcess.makeDirectory()
        let receiver = try Receiver(directory: directory)
        let server = try ServerProcess(extraConfig: Self.telemetry(receiver.port), directory: directory)
        let client = try TestClient(port: server.port)
        try client.send("r1 RULE SET rule.a job. shell true\nr2 SET job.1 4102444800000000000\nr3 GET job.1\n")
        _ = try client.receive("r1 OK\nr2 OK\nr3 OK planned 4102444800000000000\n")
        try client.send("r4 REMOVE job.1\nr5 REMOVE job.1\nr6 STAT\n")
        _ = try client.receive("r4 OK\nr5 ERROR\n")
        _ = try client.readMultiline(id: "r6")
        // A job due now runs `true` through the shell: one execution span.
        try client.send("r7 SET job.run 1\n")
        _ = try client.receive("r7 OK\n")

        let arrived = ServerProcess.eventually(timeout: 15) {
            guard let metrics = receiver.latestMetrics else { return false }
            return Self.int(metrics["jobs_scheduled"]) == 2 && Self.int(metrics["jobs_executed"]) == 1
                && !receiver.spans(named: "kairos.execution").isEmpty && receiver.spans(named: "ztick.request").count == 6
        }
        #expect(arrived, "metrics: \(String(describing: receiver.latestMetrics)), spans: \(receiver.spans)")
        let metrics = try #require(receiver.latestMetrics)
        #expect(Self.int(metrics["jobs_scheduled"]) == 2)
        #expect(Self.int(metrics["jobs_removed"]) == 1)
        #expect(Self.int(metrics["rules_active"]) == 1)
        #expect(Self.int(metrics["connections_active"]) == 1)
        #expect(Self.int(metrics["persistence_compactions"]) == 0)
        #expect(Self.int(metrics["kairos.stat.rules_total"]) == 1)
        #expect(Self.int(metrics["kairos.stat.jobs_executed"]) == 1)
        #expect(Self.int((metrics["execution_duration_ms"] as? [String: Any])?["count"]) == 1)

        // One span per command but STAT, in order, with the reference's attributes.
        let requests = receiver.spans(named: "ztick.request")
        let summary = requests.map { span -> String in
            let attributes = span["attributes"] as? [String: Any] ?? [:]
            return "\(attributes["ztick.request.id"] ?? "-") \(attributes["ztick.command"] ?? "-") \(attributes["ztick.success"] ?? "-")"
        }
        #expect(summary == ["r1 rule_set 1", "r2 set 1", "r3 get 1", "r4 remove 1", "r5 remove 0", "r7 set 1"])
        #expect(requests.allSatisfy { Self.int($0["kind"]) == 2 && $0["scope"] as? String == "ztick" })  // SPAN_KIND_SERVER

        let execution = try #require(receiver.spans(named: "kairos.execution").first)
        let attributes = try #require(execution["attributes"] as? [String: Any])
        #expect(attributes["kairos.job.id"] as? String == "job.run")
        #expect(attributes["kairos.rule.id"] as? String == "rule.a")
        // As the run's log line: `process` for shell, direct and awf runs, else the network kind.
        #expect(attributes["kairos.runner.kind"] as? String == "process")
        #expect(attributes["kairos.outcome"] as? String == "executed")
        #expect((Self.int(attributes["kairos.lateness_ns"]) ?? -1) > 0)
        #expect(execution["parent"] as? String == "")

        #expect(server.terminate() == 0)
        #expect(receiver.errors.isEmpty, "\(receiver.errors)")
        // The resource names the service.
        let resource = receiver.entries.last { $0["path"] as? String == "/v1/metrics" }?["resource"] as? [String: Any]
        #expect(resource?["service.name"] as? String == "kairos-it")
    }

    @Test func zeroSampleRatioExportsNoRequestSpans() throws {
        let directory = try ServerProcess.makeDirectory()
        let receiver = try Receiver(directory: directory)
        // A long interval: the only metrics export is the one at shutdown.
        let server = try ServerProcess(extraConfig: Self.telemetry(receiver.port, ratio: "0", flushMs: 600_000), directory: directory)
        let client = try TestClient(port: server.port)
        for index in 0..<50 {
            try client.send("s\(index) SET job.\(index) 4102444800000000000\n")
            _ = try client.receive("s\(index) OK\n")
        }
        #expect(receiver.metricsExports == 0)
        #expect(server.terminate() == 0)
        // The shutdown export carries every SET, and no request was sampled.
        #expect(Self.int(receiver.latestMetrics?["jobs_scheduled"]) == 50)
        #expect(receiver.spans(named: "ztick.request").isEmpty)
        #expect(receiver.errors.isEmpty, "\(receiver.errors)")
    }

    /// A collector that accepts connections and never answers: every export waits the full 2 s
    /// timeout on the telemetry thread while clients are answered as usual.
    @Test func silentCollectorDoesNotSlowRequests() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0, listen(fd, 64) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        try #require(bound == 0)
        let port = UInt16(bigEndian: addr.sin_port)
        let server = try ServerProcess(extraConfig: Self.telemetry(port, flushMs: 50), log: "level = \"info\"")
        let client = try TestClient(port: server.port)
        let started = Date()
        for batch in 0..<20 {
            let requests = (0..<100).map { "b\(batch)-\($0) SET job.\(batch).\($0) 4102444800000000000\n" }.joined()
            try client.send(requests)
            let answers = (0..<100).map { "b\(batch)-\($0) OK\n" }.joined()
            _ = try client.receive(answers)
        }
        let elapsed = Date().timeIntervalSince(started)
        // 2,000 journal-free SETs take well under a second; each export alone takes 2 s.
        #expect(elapsed < 2.0, "2,000 requests took \(elapsed) s with a silent collector")
        #expect(ServerProcess.eventually(timeout: 10) { server.stderr.contains("telemetry: exporting") && server.stderr.contains("failed") })
        #expect(server.terminate() == 0)
    }
}

/// D-telemetry: the http runner's W3C `traceparent` and https export.
extension TelemetryTests {
    /// Lines saying an export failed (`telemetry: exporting <what> to <endpoint> failed: ...`).
    static func exportFailures(_ stderr: String) -> Int {
        stderr.split(separator: "\n").filter { $0.contains("telemetry: exporting") && $0.contains(" failed: ") }.count
    }

    /// The webhook receives `traceparent: 00-<trace id>-<span id>-01` with exactly the ids of
    /// the run's exported `kairos.execution` span. (HTTPRunnerTests checks that without
    /// telemetry the request has no such header.)
    @Test func httpRunsSendTheirExecutionSpansTraceparent() throws {
        let directory = try ServerProcess.makeDirectory()
        let receiver = try Receiver(directory: directory)
        let recorder = try HTTPRecorderProcess()
        let server = try ServerProcess(extraConfig: Self.telemetry(receiver.port), directory: directory)
        let client = try TestClient(port: server.port)
        try client.send("r1 RULE SET hook hook. http POST http://127.0.0.1:\(recorder.port)/hook\nr2 SET hook.1 1\nr3 SET hook.2 2\n")
        _ = try client.receive("r1 OK\nr2 OK\nr3 OK\n")
        #expect(ServerProcess.eventually(timeout: 15) { receiver.spans(named: "kairos.execution").count == 2 })
        let spans = receiver.spans(named: "kairos.execution")
        let requests = recorder.requests
        try #require(spans.count == 2 && requests.count == 2, "spans \(spans), requests \(requests)")
        for span in spans {
            let attributes = try #require(span["attributes"] as? [String: Any])
            #expect(attributes["kairos.runner.kind"] as? String == "http")
            #expect(attributes["kairos.outcome"] as? String == "executed")
            let trace = try #require(span["trace_id"] as? String)
            let id = try #require(span["span_id"] as? String)
            #expect(trace.count == 32 && id.count == 16)
            let job = try #require(attributes["kairos.job.id"] as? String)
            let request = try #require(requests.first { $0.body.contains("\"\(job)\"") })
            let sent = request.headers.filter { $0[0] == "traceparent" }
            #expect(sent == [["traceparent", "00-\(trace)-\(id)-01"]])
        }
        // Two runs, two traces.
        #expect(Set(spans.compactMap { $0["trace_id"] as? String }).count == 2)
        #expect(server.terminate() == 0)
        #expect(receiver.errors.isEmpty, "\(receiver.errors)")
    }

    /// `https://` endpoint verified against `[telemetry] ca_file` (a throwaway CA made here).
    @Test func httpsExportTrustsTheConfiguredCAFile() throws {
        let directory = try ServerProcess.makeDirectory()
        try HTTPRecorderProcess.makeTestCA(in: directory)
        let receiver = try Receiver(directory: directory, tls: (
            directory.appendingPathComponent("server.pem").path, directory.appendingPathComponent("server.key").path))
        let ca = directory.appendingPathComponent("ca.pem").path
        let config = Self.telemetry(receiver.port, scheme: "https://") + "\nca_file = \"\(ca)\"\n"
        let server = try ServerProcess(extraConfig: config, directory: directory)
        let client = try TestClient(port: server.port)
        try client.send("r1 SET job.1 4102444800000000000\n")
        _ = try client.receive("r1 OK\n")
        #expect(ServerProcess.eventually(timeout: 15) {
            Self.int(receiver.latestMetrics?["jobs_scheduled"]) == 1 && receiver.spans(named: "ztick.request").count == 1
        })
        #expect(server.terminate() == 0)
        #expect(receiver.errors.isEmpty, "\(receiver.errors)")
        #expect(receiver.tlsFailures.isEmpty, "\(receiver.tlsFailures)")
        #expect(Self.exportFailures(server.stderr) == 0, "\(server.stderr)")
    }

    /// Without the CA the certificate is refused: every export fails, one warning says why (the
    /// next are held back for 10 s), and clients are served as usual.
    @Test func anUnknownCAFailsTheExportsAndNothingElse() throws {
        let directory = try ServerProcess.makeDirectory()
        try HTTPRecorderProcess.makeTestCA(in: directory)
        let receiver = try Receiver(directory: directory, tls: (
            directory.appendingPathComponent("server.pem").path, directory.appendingPathComponent("server.key").path))
        let started = Date()
        let server = try ServerProcess(
            extraConfig: Self.telemetry(receiver.port, flushMs: 50, scheme: "https://"), directory: directory, log: "level = \"info\"")
        let client = try TestClient(port: server.port)
        #expect(ServerProcess.eventually(timeout: 15) { receiver.tlsFailures.count >= 3 })
        for index in 0..<100 {
            try client.send("s\(index) SET job.\(index) 4102444800000000000\n")
            _ = try client.receive("s\(index) OK\n")
        }
        try client.send("g1 GET job.99\n")
        #expect(try client.receive("g1 OK planned 4102444800000000000\n") == "g1 OK planned 4102444800000000000\n")
        let warning = "telemetry: exporting metrics to https://127.0.0.1:\(receiver.port) failed: "
        #expect(ServerProcess.eventually { server.stderr.contains(warning) })
        // At most one failure warning per 10 s however many exports failed (one per 50 ms here).
        let allowed = 1 + Int(Date().timeIntervalSince(started) / 10)
        let warnings = Self.exportFailures(server.stderr)
        #expect(warnings >= 1 && warnings <= allowed && receiver.tlsFailures.count > allowed, "\(server.stderr)")
        #expect(receiver.entries.allSatisfy { $0["tls_failure"] != nil }, "\(receiver.entries)")
        #expect(receiver.tlsFailures.allSatisfy { $0.contains("UNKNOWN_CA") }, "\(receiver.tlsFailures)")
        #expect(server.terminate() == 0)
    }
}

/// D-telemetry: swift-log lines at warning or worse as OTLP log records.
extension TelemetryTests {
    @Test func warningsReachTheCollectorAsLogRecords() throws {
        let directory = try ServerProcess.makeDirectory()
        let receiver = try Receiver(directory: directory)
        let server = try ServerProcess(extraConfig: Self.telemetry(receiver.port), directory: directory, log: "level = \"info\"")
        let client = try TestClient(port: server.port)
        // A failed run is logged at warning; an executed one at info, which is not exported.
        try client.send("r1 RULE SET bad bad. shell false\nr2 RULE SET ok ok. shell true\nr3 SET bad.1 1\nr4 SET ok.1 1\n")
        _ = try client.receive("r1 OK\nr2 OK\nr3 OK\nr4 OK\n")
        let line = "runner: job bad.1 (process) failed: exit status 1"
        #expect(ServerProcess.eventually(timeout: 15) {
            receiver.logs.contains { ($0["body"] as? String)?.hasPrefix(line) == true }
        })
        #expect(ServerProcess.eventually { server.stderr.contains("runner: job ok.1 (process) executed") })
        #expect(server.terminate() == 0)
        let records = receiver.logs
        let failed = try #require(records.first { ($0["body"] as? String)?.hasPrefix(line) == true })
        #expect(Self.int(failed["severity_number"]) == 13)
        #expect(failed["severity_text"] as? String == "WARN")
        #expect(failed["scope"] as? String == "ztick")
        let time = Self.int(failed["time"]) ?? 0
        #expect(time > 1_700_000_000_000_000_000 && Self.int(failed["observed_time"]) == time)
        // Info lines (the executed run, the startup summary) stay on stderr only.
        #expect(records.allSatisfy { Self.int($0["severity_number"]) ?? 0 >= 13 }, "\(records)")
        #expect(!records.contains { ($0["body"] as? String)?.contains("ok.1") == true })
        let resource = receiver.entries.last { $0["path"] as? String == "/v1/logs" }?["resource"] as? [String: Any]
        #expect(resource?["service.name"] as? String == "kairos-it")
        #expect(receiver.errors.isEmpty, "\(receiver.errors)")
    }
}
