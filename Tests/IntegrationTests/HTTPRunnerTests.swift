import Foundation
import Testing

/// The real `kairos` binary runs http rules (D-network-runners) against a real webhook peer that records what
/// it received.
@Suite struct HTTPRunnerTests {
    @Test func aDueJobPostsItsIdAndEndsExecuted() throws {
        let recorder = try HTTPRecorderProcess()
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 RULE SET hook hook. http POST http://127.0.0.1:\(recorder.port)/hook\nr2 SET hook.1 1\n")
        #expect(try client.receive("r1 OK\nr2 OK\n") == "r1 OK\nr2 OK\n")
        #expect(try ExecutionTests.waitForStatus(client, job: "hook.1", status: "executed"))
        let body = #"{"job_id":"hook.1","execution":1}"#
        #expect(recorder.requests == [HTTPRecorderProcess.Request(
            connection: 1, requestLine: "POST /hook HTTP/1.1",
            headers: [
                ["Host", "127.0.0.1:\(recorder.port)"], ["User-Agent", "kairos/0.1.0"], ["Accept", "*/*"],
                ["Content-Type", "application/json"], ["Content-Length", "\(body.utf8.count)"],
            ],
            body: body)])
        #expect(ServerProcess.eventually { server.stderr.contains("runner: job hook.1 (http) executed: POST http://127.0.0.1:\(recorder.port)/hook: HTTP 200") })
    }

    @Test func anErrorStatusEndsFailedAndTheLogMasksCredentials() throws {
        let recorder = try HTTPRecorderProcess()
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 RULE SET bad bad. http GET http://ops:hunter2@127.0.0.1:\(recorder.port)/status/503\nr2 SET bad.1 1\n")
        #expect(try client.receive("r1 OK\nr2 OK\n") == "r1 OK\nr2 OK\n")
        #expect(try ExecutionTests.waitForStatus(client, job: "bad.1", status: "failed"))
        #expect(recorder.requests.map(\.requestLine) == ["GET /status/503 HTTP/1.1"])
        let line = "runner: job bad.1 (http) failed: GET http://***@127.0.0.1:\(recorder.port)/status/503: HTTP 503"
        #expect(ServerProcess.eventually { server.stderr.contains(line) })
        #expect(!server.stderr.contains("hunter2"))
    }

    @Test func runsOfOneRuleReuseOneConnection() throws {
        let recorder = try HTTPRecorderProcess()
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 RULE SET hook hook. http PUT http://127.0.0.1:\(recorder.port)/put\nr2 SET hook.1 1\n")
        #expect(try client.receive("r1 OK\nr2 OK\n") == "r1 OK\nr2 OK\n")
        #expect(try ExecutionTests.waitForStatus(client, job: "hook.1", status: "executed"))
        try client.send("r3 SET hook.2 2\n")
        #expect(try client.receive("r3 OK\n") == "r3 OK\n")
        #expect(try ExecutionTests.waitForStatus(client, job: "hook.2", status: "executed"))
        #expect(recorder.requests.map(\.body) == [#"{"job_id":"hook.1","execution":1}"#, #"{"job_id":"hook.2","execution":2}"#])
        #expect(recorder.requests.map(\.connection) == [1, 1])
    }

    @Test func httpsTrustsTheConfiguredCAFile() throws {
        let certificates = try ServerProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(at: certificates) }
        try HTTPRecorderProcess.makeTestCA(in: certificates)
        let recorder = try HTTPRecorderProcess(tls: (
            certificates.appendingPathComponent("server.pem").path, certificates.appendingPathComponent("server.key").path))
        let url = "https://127.0.0.1:\(recorder.port)/secure"
        let rule = "r1 RULE SET tls tls. http POST \(url)\n"

        // The throwaway CA is not in the system store: the run fails and says why.
        let untrusting = try ServerProcess()
        let first = try TestClient(port: untrusting.port)
        try first.send(rule + "r2 SET tls.1 1\n")
        #expect(try first.receive("r1 OK\nr2 OK\n") == "r1 OK\nr2 OK\n")
        #expect(try ExecutionTests.waitForStatus(first, job: "tls.1", status: "failed"))
        #expect(ServerProcess.eventually { untrusting.stderr.contains("runner: job tls.1 (http) failed: POST \(url): SSL certificate problem") })
        #expect(recorder.requests.isEmpty)

        let ca = certificates.appendingPathComponent("ca.pem").path
        let trusting = try ServerProcess(extraConfig: "[runner]\nhttp_ca_file = \"\(ca)\"\n")
        let second = try TestClient(port: trusting.port)
        try second.send(rule + "r2 SET tls.2 2\n")
        #expect(try second.receive("r1 OK\nr2 OK\n") == "r1 OK\nr2 OK\n")
        #expect(try ExecutionTests.waitForStatus(second, job: "tls.2", status: "executed"))
        #expect(recorder.requests.map(\.requestLine) == ["POST /secure HTTP/1.1"])
        #expect(recorder.requests.map(\.body) == [#"{"job_id":"tls.2","execution":2}"#])
    }

    @Test func anUnreadableCAFileStopsTheStart() throws {
        let directory = try ServerProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("kairos.toml")
        try "[runner]\nhttp_ca_file = \"/nonexistent/ca.pem\"\n".write(to: config, atomically: true, encoding: .utf8)
        let result = try ServerProcess.runCLI(["server", "-c", config.path], directory: directory)
        #expect(result.status == 1)
        #expect(result.stderr == "error: runner.http_ca_file: cannot read /nonexistent/ca.pem: No such file or directory\n")
    }
}
