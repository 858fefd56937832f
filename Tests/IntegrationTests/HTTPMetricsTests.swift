import Foundation
import Testing

/// `GET /metrics` (D-http-api) on the real binary: the exposition passes `promtool check metrics` and
/// counts what happened.
@Suite struct HTTPMetricsTests {
    @Test func scrapePassesPromtoolAndCounts() throws {
        let directory = try ServerProcess.makeDirectory()
        let (certificate, key) = try TestCertificate.make(in: directory)
        let (server, port) = try ServerProcess.withHTTP(
            controller: "tls_cert = \"\(certificate)\"\ntls_key = \"\(key)\"\nauth_timeout_ms = 300", directory: directory)
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        _ = try http.exchange("PUT", "/jobs/m", body: "{\"execution\":4102444800000000000}")
        _ = try http.exchange("GET", "/jobs/none")
        _ = try http.exchange("BREW", "/health")
        // A job due at once, with no rule: processed (and its lateness recorded) by the next tick.
        _ = try http.exchange("PUT", "/jobs/late", body: "{\"execution\":0}")
        #expect(try ServerProcess.eventually { try http.exchange("GET", "/jobs/late").contains("\"status\":\"failed\"") })
        // On the line protocol's TLS port: one completed handshake, and a plaintext client whose
        // "handshake" fails.
        _ = try TLSTestClient(port: server.port)
        let plain = try TestClient(port: server.port)
        try plain.send("r1 STAT\n")
        #expect(plain.readUntilClosed(timeout: 15))
        let stalled = try HTTPTestClient(port: port)
        try stalled.client.send("GET /health HTTP/1.1\r\n")
        #expect(stalled.client.readUntilClosed(timeout: 5))

        let response = try http.exchange("GET", "/metrics")
        #expect(response.hasPrefix("HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4; charset=utf-8\r\ncontent-length: "))
        let body = String(response[response.range(of: "\r\n\r\n")!.upperBound...])
        let lines = Set(body.split(separator: "\n").map(String.init))
        for expected in [
            "kairos_http_responses_total{method=\"PUT\",code=\"200\"} 2",
            "kairos_http_responses_total{method=\"GET\",code=\"404\"} 1",
            "kairos_http_responses_total{method=\"other\",code=\"405\"} 1",
            "kairos_requests_total{protocol=\"http\",command=\"set\",outcome=\"ok\"} 2",
            "kairos_requests_total{protocol=\"http\",command=\"get\",outcome=\"error\"} 1",
            "kairos_requests_total{protocol=\"line\",command=\"stat\",outcome=\"ok\"} 0",
            "kairos_jobs 2.0",
            "kairos_jobs_by_status{status=\"planned\"} 1.0",
            "kairos_jobs_by_status{status=\"failed\"} 1.0",
            "kairos_trigger_lateness_seconds_count 1",
            "kairos_executions_triggered_total{runner=\"none\"} 1",
            "kairos_executions_triggered_total{runner=\"shell\"} 0",
            "kairos_trigger_lateness_seconds_bucket{le=\"+Inf\"} 1",
            "# TYPE kairos_trigger_lateness_seconds histogram",
            "kairos_tls_enabled 1.0",
            "kairos_tls_handshakes_total{listener=\"line\",outcome=\"completed\"} 1",
            "kairos_tls_handshakes_total{listener=\"line\",outcome=\"failed\"} 1",
            "kairos_connections_dropped_total{reason=\"deadline\"} 1",
            "kairos_persistence_info{backend=\"memory\"} 1.0",
            "# TYPE kairos_connections gauge",
        ] {
            #expect(lines.contains(expected), "\(expected)")
        }
        let file = directory.appendingPathComponent("scrape.txt")
        try body.write(to: file, atomically: true, encoding: .utf8)
        let promtool = try HTTPSecurityTests.run("/usr/bin/env", ["sh", "-c", "promtool check metrics < \(file.path)"])
        #expect(promtool.status == 0, "\(promtool.stdout)\(promtool.stderr)")
        #expect(promtool.stdout + promtool.stderr == "")
    }

    /// With a logfile and fsync on, every acknowledged mutation went through a journal round and
    /// an fdatasync, and both show.
    @Test func journalRoundsAndFsyncs() throws {
        let directory = try ServerProcess.makeDirectory()
        let httpPort = try ServerProcess.freePort()
        let server = try ServerProcess(
            extraConfig: "[http]\nlisten = \"127.0.0.1:\(httpPort)\"",
            database: "[database]\npersistence = \"logfile\"\nlogfile_path = \"\(directory.appendingPathComponent("logfile").path)\"\nfsync_on_persist = true\ncompression_interval = 0",
            directory: directory)
        defer { server.stop() }
        let http = try HTTPTestClient(port: httpPort)
        for index in 0..<3 {
            _ = try http.exchange("PUT", "/jobs/j\(index)", body: "{\"execution\":4102444800000000000}")
        }
        let response = try http.exchange("GET", "/metrics")
        let lines = response.split(separator: "\n").map(String.init)
        func value(_ name: String) -> Int? {
            lines.first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
        }
        #expect((value("kairos_journal_batches_total") ?? 0) >= 3)
        #expect((value("kairos_journal_fsync_seconds_count") ?? 0) >= 3)
        #expect(lines.contains("# TYPE kairos_journal_fsync_seconds histogram"))
    }

    /// Requests by protocol, command and outcome, and runs by runner kind and outcome: known
    /// commands over both protocols (some refused) and two shell runs, then exact counter lines.
    @Test func requestsAndExecutionsByOutcome() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send(
            "r1 RULE SET good good. shell true\nr2 RULE SET bad bad. shell \"exit 3\"\nr3 SET good.1 1\nr4 SET bad.1 1\n"
                + "r5 GET nothing\nr6 REMOVE nothing\nr7 SET x notatime\n")
        let expected = "r1 OK\nr2 OK\nr3 OK\nr4 OK\nr5 ERROR\nr6 ERROR\nr7 ERROR\n"
        #expect(try client.receive(expected) == expected)
        try client.send("r8 STAT\n")
        _ = try client.readMultiline(id: "r8")
        let http = try HTTPTestClient(port: port)
        #expect(try http.exchange("PUT", "/jobs/h1", body: "{\"execution\":4102444800000000000}").hasPrefix("HTTP/1.1 200 "))
        #expect(try http.exchange("GET", "/jobs/none").hasPrefix("HTTP/1.1 404 "))
        #expect(try http.exchange("DELETE", "/jobs/none").hasPrefix("HTTP/1.1 404 "))
        #expect(try http.exchange("GET", "/rules/none").hasPrefix("HTTP/1.1 404 "))
        #expect(try http.exchange("GET", "/stat").hasPrefix("HTTP/1.1 200 "))

        // Scrapes are answered by the reactor and never reach the core: polling does not count.
        var lines: Set<String> = []
        let finished = try ServerProcess.eventually {
            let response = try http.exchange("GET", "/metrics")
            lines = Set(response.split(separator: "\n").map(String.init))
            return lines.contains("kairos_executions_total{kind=\"shell\",outcome=\"executed\"} 1")
                && lines.contains("kairos_executions_total{kind=\"shell\",outcome=\"failed\"} 1")
        }
        #expect(finished, "\(lines.filter { $0.hasPrefix("kairos_executions_total") })")
        let counts = lines.filter {
            ($0.hasPrefix("kairos_requests_total{") || $0.hasPrefix("kairos_executions_total{")) && !$0.hasSuffix("} 0")
        }
        #expect(counts.sorted() == [
            "kairos_executions_total{kind=\"shell\",outcome=\"executed\"} 1",
            "kairos_executions_total{kind=\"shell\",outcome=\"failed\"} 1",
            "kairos_requests_total{protocol=\"http\",command=\"get\",outcome=\"error\"} 1",
            "kairos_requests_total{protocol=\"http\",command=\"getrule\",outcome=\"error\"} 1",
            "kairos_requests_total{protocol=\"http\",command=\"remove\",outcome=\"error\"} 1",
            "kairos_requests_total{protocol=\"http\",command=\"set\",outcome=\"ok\"} 1",
            "kairos_requests_total{protocol=\"http\",command=\"stat\",outcome=\"ok\"} 1",
            "kairos_requests_total{protocol=\"line\",command=\"get\",outcome=\"error\"} 1",
            "kairos_requests_total{protocol=\"line\",command=\"malformed\",outcome=\"error\"} 1",
            "kairos_requests_total{protocol=\"line\",command=\"remove\",outcome=\"error\"} 1",
            "kairos_requests_total{protocol=\"line\",command=\"ruleset\",outcome=\"ok\"} 2",
            "kairos_requests_total{protocol=\"line\",command=\"set\",outcome=\"ok\"} 2",
            "kairos_requests_total{protocol=\"line\",command=\"stat\",outcome=\"ok\"} 1",
        ])
        #expect(lines.contains("kairos_requests_total{protocol=\"line\",command=\"set\",outcome=\"error\"} 0"))
        #expect(lines.contains("kairos_executions_total{kind=\"direct\",outcome=\"executed\"} 0"))
        #expect(lines.contains("kairos_executions_triggered_total{runner=\"shell\"} 2"))
        #expect(lines.contains("# TYPE kairos_requests_total counter"))
        #expect(lines.contains("# TYPE kairos_executions_total counter"))
    }
}
