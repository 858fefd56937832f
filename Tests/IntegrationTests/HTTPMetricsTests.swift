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
            "kairos_requests_total{protocol=\"http\",command=\"set\"} 2",
            "kairos_requests_total{protocol=\"line\",command=\"stat\"} 0",
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
}
