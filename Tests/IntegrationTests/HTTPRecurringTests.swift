import Foundation
import Testing

/// Recurring jobs over the HTTP API (issue 15, item 4) against the real binary: a schedule set
/// with `PUT /jobs/{id}` is what the line protocol's INFO shows, one set with `SET ... EVERY /
/// CRON` is what `GET /jobs/{id}` and the listing show, bad schedules are 400 and change
/// nothing, and a plain PUT makes the job one-shot again.
@Suite struct HTTPRecurringTests {
    static let far: Int64 = 4_102_444_800_000_000_000

    static func info(_ tcp: TestClient, _ job: String) throws -> String {
        try tcp.send("i INFO \(job)\n")
        return try tcp.readLine()
    }

    /// The body of a 200 response (after the head).
    static func body(_ response: String) -> String {
        guard let end = response.range(of: "\r\n\r\n") else { return "" }
        return String(response[end.upperBound...])
    }

    @Test func putOverHTTPIsSeenByInfoOverTCP() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        let tcp = try TestClient(port: server.port)

        let every = "{\"id\":\"h.every\",\"status\":\"planned\",\"execution\":\(Self.far),\"every\":\"1h30m\",\"retry\":{\"count\":3,\"backoff\":\"1m\"},\"runs\":0,\"failures\":0,\"last_outcome\":\"none\",\"last_at\":0}"
        #expect(try http.exchange("PUT", "/jobs/h.every", body: "{\"execution\":\(Self.far),\"every\":\"1h30m\",\"retry\":{\"count\":3,\"backoff\":\"1m\"}}")
            == HTTPBytes.json("200 OK", every))
        #expect(try Self.info(tcp, "h.every") == "i OK planned \(Self.far) every=1h30m retry=3/1m last=none@0 runs=0 failures=0\n")
        #expect(try http.exchange("GET", "/jobs/h.every") == HTTPBytes.json("200 OK", every))

        // cron: the first run is computed by the server; the PUT's answer and INFO agree on it.
        let cron = Self.body(try http.exchange("PUT", "/jobs/h.cron", body: "{\"cron\":\"30 2 * * *\",\"timezone\":\"Europe/Paris\"}"))
        let prefix = "{\"id\":\"h.cron\",\"status\":\"planned\",\"execution\":"
        let suffix = ",\"cron\":\"30 2 * * *\",\"timezone\":\"Europe/Paris\",\"retry\":{\"count\":0,\"backoff\":\"10s\"},\"runs\":0,\"failures\":0,\"last_outcome\":\"none\",\"last_at\":0}"
        #expect(cron.hasPrefix(prefix) && cron.hasSuffix(suffix), "\(cron)")
        let next = Int64(cron.dropFirst(prefix.count).dropLast(suffix.count)) ?? 0
        #expect(next % 60_000_000_000 == 0 && next > Int64(Date().timeIntervalSince1970 * 1e9))
        #expect(try Self.info(tcp, "h.cron") == "i OK planned \(next) cron=\"30 2 * * *\"@Europe/Paris retry=0/10s last=none@0 runs=0 failures=0\n")

        // Refused schedules: 400 with the reason, and nothing changed.
        let refusals: [(String, String)] = [
            ("{\"execution\":1,\"every\":\"90\"}", "invalid every"),
            ("{\"cron\":\"0 0 30 2 *\"}", "invalid cron"),
            ("{\"cron\":\"@daily\",\"timezone\":\"Nowhere/Atlantis\"}", "invalid timezone"),
            ("{\"execution\":1,\"every\":\"1m\",\"retry\":{\"count\":70000}}", "invalid retry"),
            ("{\"execution\":1,\"every\":\"1m\",\"cron\":\"@daily\"}", "every and cron exclude each other"),
            ("{\"execution\":1,\"timezone\":\"UTC\"}", "timezone needs cron"),
            ("{\"execution\":1,\"retry\":{\"count\":1}}", "retry needs every or cron"),
        ]
        for (body, message) in refusals {
            #expect(try http.exchange("PUT", "/jobs/h.every", body: body) == HTTPBytes.error("400 Bad Request", message), "\(body)")
        }
        #expect(try Self.info(tcp, "h.every") == "i OK planned \(Self.far) every=1h30m retry=3/1m last=none@0 runs=0 failures=0\n")

        // A plain PUT makes it one-shot again: ztick's three keys, INFO `once`.
        #expect(try http.exchange("PUT", "/jobs/h.every", body: "{\"execution\":\(Self.far)}")
            == HTTPBytes.json("200 OK", "{\"id\":\"h.every\",\"status\":\"planned\",\"execution\":\(Self.far)}"))
        #expect(try Self.info(tcp, "h.every") == "i OK planned \(Self.far) once retry=0/0s last=none@0 runs=0 failures=0\n")
        #expect(try http.exchange("GET", "/jobs/h.every") == HTTPBytes.json("200 OK", "{\"id\":\"h.every\",\"status\":\"planned\",\"execution\":\(Self.far)}"))
    }

    @Test func setOverTCPIsSeenByGetOverHTTP() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        let tcp = try TestClient(port: server.port)
        try tcp.send("a SET t.every \(Self.far) EVERY 15m RETRY 2\nb SET t.cron CRON \"@daily\" TZ America/New_York\nc SET t.once \(Self.far)\n")
        #expect(try tcp.receive("a OK\nb OK\nc OK\n") == "a OK\nb OK\nc OK\n")
        try tcp.send("g GET t.cron\n")
        let get = try tcp.readLine()
        let next = Int64(get.dropFirst("g OK planned ".count).dropLast()) ?? 0
        #expect(get == "g OK planned \(next)\n" && next > 0)

        let every = "{\"id\":\"t.every\",\"status\":\"planned\",\"execution\":\(Self.far),\"every\":\"15m\",\"retry\":{\"count\":2,\"backoff\":\"10s\"},\"runs\":0,\"failures\":0,\"last_outcome\":\"none\",\"last_at\":0}"
        let cron = "{\"id\":\"t.cron\",\"status\":\"planned\",\"execution\":\(next),\"cron\":\"@daily\",\"timezone\":\"America/New_York\",\"retry\":{\"count\":0,\"backoff\":\"10s\"},\"runs\":0,\"failures\":0,\"last_outcome\":\"none\",\"last_at\":0}"
        let once = "{\"id\":\"t.once\",\"status\":\"planned\",\"execution\":\(Self.far)}"
        #expect(try http.exchange("GET", "/jobs/t.every") == HTTPBytes.json("200 OK", every))
        #expect(try http.exchange("GET", "/jobs/t.cron") == HTTPBytes.json("200 OK", cron))
        #expect(try http.exchange("GET", "/jobs?prefix=t.") == HTTPBytes.json("200 OK", "[\(cron),\(every),\(once)]"))
        // What GET returns can be PUT back as it is (execution is ignored with cron).
        #expect(try http.exchange("PUT", "/jobs/t.cron", body: cron) == HTTPBytes.json("200 OK", cron))
    }

    /// The run counters reach HTTP: a failing `EVERY 1s` job shows its runs, failures and outcome.
    @Test func countersOfRunsOverHTTP() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        let tcp = try TestClient(port: server.port)
        try tcp.send("r RULE SET fail f. shell false\n")
        #expect(try tcp.receive("r OK\n") == "r OK\n")
        let anchor = Int64(Date().timeIntervalSince1970) * 1_000_000_000
        let put = Self.body(try http.exchange("PUT", "/jobs/f.1", body: "{\"execution\":\(anchor),\"every\":\"1s\"}"))
        #expect(put.hasSuffix(",\"every\":\"1s\",\"retry\":{\"count\":0,\"backoff\":\"10s\"},\"runs\":0,\"failures\":0,\"last_outcome\":\"none\",\"last_at\":0}"))
        var last: [String: Any] = [:]
        #expect(ServerProcess.eventually(timeout: 15) {
            let body = Self.body((try? http.exchange("GET", "/jobs/f.1")) ?? "")
            last = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
            return (last["runs"] as? Int ?? 0) >= 2
        }, "\(last)")
        // Every run failed; the last one was due on the 1 s grid after the anchor.
        #expect(last["failures"] as? Int == last["runs"] as? Int)
        #expect(last["last_outcome"] as? String == "failed")
        let lastAt = (last["last_at"] as? NSNumber)?.int64Value ?? 0
        #expect(lastAt > anchor && (lastAt - anchor) % 1_000_000_000 == 0, "\(last)")
    }
}
