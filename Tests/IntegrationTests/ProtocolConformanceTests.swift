import Foundation
import Testing

/// the reference's conformance checklist conformance items against the real binary, exact bytes (auth off, memory backend).
@Suite struct ProtocolConformanceTests {
    static let statKeys = [
        "uptime_ns", "connections", "jobs_total", "jobs_planned", "jobs_triggered", "jobs_executed",
        "jobs_failed", "rules_total", "executions_pending", "executions_inflight", "persistence",
        "compression", "auth_enabled", "tls_enabled", "framerate",
    ]

    @Test func statHasFifteenRecordsInOrder() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 STAT\n")
        let lines = try client.readMultiline(id: "r1")
        #expect(lines.count == 16)
        #expect(lines.last == "r1 OK\n")
        let keys = lines.dropLast().map { $0.split(separator: " ")[1] }.map(String.init)
        #expect(keys == Self.statKeys)
        let values = Dictionary(uniqueKeysWithValues: lines.dropLast().map { line -> (String, String) in
            let parts = line.dropLast().split(separator: " ", maxSplits: 2).map(String.init)
            return (parts[1], parts[2])
        })
        #expect(values["connections"] == "1")
        #expect(values["jobs_total"] == "0")
        #expect(values["persistence"] == "memory")
        #expect(values["compression"] == "idle")
        #expect(values["auth_enabled"] == "0")
        #expect(values["tls_enabled"] == "0")
        #expect(values["framerate"] == "512")
        #expect(UInt64(values["uptime_ns"] ?? "") != nil)
    }

    @Test func setDueAtOnceWithoutRuleFails() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 SET a 5\n")
        #expect(try client.receive("r1 OK\n") == "r1 OK\n")
        // The job is due at once and no rule matches: it fails on the next tick.
        let failed = try ServerProcess.eventually {
            try client.send("r2 GET a\n")
            return try client.readLine() == "r2 OK failed 5\n"
        }
        #expect(failed)
    }

    @Test func setWithDateAndTime() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 SET a 2099-12-31 23:59:59\nr2 GET a\n")
        #expect(try client.receive("r1 OK\nr2 OK planned 4102444799000000000\n") == "r1 OK\nr2 OK planned 4102444799000000000\n")
    }

    @Test func quotedDateTimeIsAnError() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        // D-bad-timestamps: a single quoted token is not a timestamp.
        try client.send("r1 SET a \"2026-03-30 14:00:00\"\nr2 GET a\nr3 SET b 2026-02-31 00:00:00\n")
        #expect(try client.receive("r1 ERROR\nr2 ERROR\nr3 ERROR\n") == "r1 ERROR\nr2 ERROR\nr3 ERROR\n")
    }

    @Test func silentRequestsKeepTheConnection() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 GET\nr1 SET a\nr1 FOO\nr1\n\n   \nr1 set a 5\nAUTH secret\nr1 RULE GET x\n")
        #expect(try client.nextReplyIsMarker())
    }

    @Test func malformedRemoveAndRuleSet() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 REMOVE\nr2 RULE SET x\nr3 REMOVERULE\n")
        #expect(try client.receive("r1 ERROR\nr2 ERROR\nr3 ERROR\n") == "r1 ERROR\nr2 ERROR\nr3 ERROR\n")
    }

    @Test func queryOnEmptyServer() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 QUERY\n")
        #expect(try client.receive("r1 OK\n") == "r1 OK\n")
    }

    @Test func shellCommandKeepsAllTokens() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 RULE SET x p. shell echo hi\nr2 LISTRULES\n")
        let expected = "r1 OK\nr2 x p. shell echo hi\nr2 OK\n"
        #expect(try client.receive(expected) == expected)
    }

    @Test func ruleValidation() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send(
            "r1 RULE SET x p. awf wf --input\nr2 RULE SET x p. awf wf --input a=b\n"
                + "r3 RULE SET x p. redis redis://h/0 PUBLISH\nr4 RULE SET y q. http PATCH https://x\n"
                + "r5 RULE SET z r. redis redis://127.0.0.1:6379/0 FLUSHALL k\n"
                + "r6 RULE SET e q. amqp amqp://guest:guest@localhost:5672/ jobs notifications\n")
        let expected = "r1 ERROR\nr2 OK\nr3 ERROR\nr4 ERROR\nr5 ERROR\nr6 OK\n"
        #expect(try client.receive(expected) == expected)
    }

    @Test func quotedRequestIdIsEchoed() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("\"a b\" STAT\n")
        let lines = try client.readMultiline(id: "a b")
        #expect(lines.count == 16)
        #expect(lines.allSatisfy { $0.hasPrefix("a b ") })
    }

    @Test func oversizedRequestClosesSilently() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send(String(repeating: "x", count: 4097))
        #expect(ServerProcess.eventually { client.isClosedByPeer() })
        // Others are unaffected.
        let other = try TestClient(port: server.port)
        try other.send("r1 QUERY\n")
        #expect(try other.receive("r1 OK\n") == "r1 OK\n")
    }

    @Test func requestOfExactly4096BytesIsAccepted() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        let prefix = "r1 GET "
        let id = String(repeating: "k", count: 4096 - prefix.count - 1)
        try client.send(prefix + id + "\n")
        #expect(try client.receive("r1 ERROR\n") == "r1 ERROR\n")
    }

    @Test func pipelinedRequestsAnsweredInOrder() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 SET a 4102444800000000000\nr2 GET a\nr3 GET\nr4 REMOVE a\n")
        let expected = "r1 OK\nr2 OK planned 4102444800000000000\nr4 OK\n"
        #expect(try client.receive(expected) == expected)
    }

    @Test func authIsSilentWhenDisabled() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("AUTH s\n")
        #expect(try client.nextReplyIsMarker())
    }

    @Test func crlfClientsWork() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        // D-crlf: one CR before LF is stripped.
        try client.send("r1 SET a 4102444800000000000\r\nr2 GET a\r\n")
        let expected = "r1 OK\nr2 OK planned 4102444800000000000\n"
        #expect(try client.receive(expected) == expected)
    }

    @Test func exampleSession() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send(
            "r1 RULE SET rule.backup backup. shell \"/bin/echo done\"\nr2 SET backup.daily 2099-04-01 02:00:00\n"
                + "r3 GET backup.daily\nr4 FOO\nr5 QUERY backup.\nr6 REMOVE backup.daily\nr7 REMOVERULE rule.backup\n"
                + "r8 REMOVE backup.daily\n")
        let expected =
            "r1 OK\nr2 OK\nr3 OK planned 4078692000000000000\nr5 backup.daily planned 4078692000000000000\nr5 OK\n"
            + "r6 OK\nr7 OK\nr8 ERROR\n"
        #expect(try client.receive(expected) == expected)
    }

    @Test func referenceFixtureRequests() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let commands = try String(contentsOf: fixtures.appendingPathComponent("cmds.txt"), encoding: .utf8)
        let replies = try String(contentsOf: fixtures.appendingPathComponent("replies.txt"), encoding: .utf8)
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send(commands)
        // r1..r16 are single lines; r17 (QUERY) and r18 (LISTRULES) are compared as sets
        // because the reference's order is its hash order (docs/protocol.md#query).
        var expected = replies.split(separator: "\n", omittingEmptySubsequences: true).map { String($0) + "\n" }
        for _ in 1...16 { #expect(try client.readLine() == expected.removeFirst()) }
        let query = try client.readMultiline(id: "r17")
        let listing = try client.readMultiline(id: "r18")
        #expect(Set(query) == Set(expected.filter { $0.hasPrefix("r17 ") }))
        #expect(Set(listing) == Set(expected.filter { $0.hasPrefix("r18 ") }))
    }
}
