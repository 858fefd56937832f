import Foundation
import Testing

/// Due jobs run through real rules: shell, direct, failures, timeouts, rule choice.
@Suite struct ExecutionTests {
    /// Polls GET until the job reaches `status`.
    static func waitForStatus(_ client: TestClient, job: String, status: String, timeout: Double = 15) throws -> Bool {
        var attempt = 0
        return try ServerProcess.eventually(timeout: timeout) {
            attempt += 1
            try client.send("w\(attempt) GET \(job)\n")
            return try client.readLine().hasPrefix("w\(attempt) OK \(status) ")
        }
    }

    @Test func shellRuleWritesMarkerFile() throws {
        let server = try ServerProcess()
        let marker = server.directory.appendingPathComponent("marker").path
        let client = try TestClient(port: server.port)
        try client.send("r1 RULE SET mark mark. shell \"echo ran > \(marker)\"\nr2 SET mark.1 1\n")
        #expect(try client.receive("r1 OK\nr2 OK\n") == "r1 OK\nr2 OK\n")
        #expect(try Self.waitForStatus(client, job: "mark.1", status: "executed"))
        #expect(try String(contentsOfFile: marker, encoding: .utf8) == "ran\n")
    }

    /// What an operator reads after a run: one line with job, rule, outcome, exit status,
    /// duration and lateness, and for a failure what the command printed; the command itself
    /// learns which job fired it from its environment.
    @Test func runsAreLoggedAndSeeTheirJobInTheEnvironment() throws {
        let server = try ServerProcess()
        let marker = server.directory.appendingPathComponent("env").path
        let client = try TestClient(port: server.port)
        try client.send(
            "r1 RULE SET backup backup. shell \"echo $KAIROS_JOB_ID $KAIROS_RULE_ID $KAIROS_EXECUTION_NS > \(marker); echo oops >&2; exit 5\"\n"
                + "r2 SET backup.db 1000000000\nr3 SET stray.1 1\n")
        #expect(try client.receive("r1 OK\nr2 OK\nr3 OK\n") == "r1 OK\nr2 OK\nr3 OK\n")
        #expect(try Self.waitForStatus(client, job: "backup.db", status: "failed"))
        #expect(try String(contentsOfFile: marker, encoding: .utf8) == "backup.db backup 1000000000\n")
        #expect(ServerProcess.eventually {
            server.stderr.contains("[WARN] runner: job backup.db (process) failed: exit status 5 (rule backup, ran ")
                && server.stderr.contains(" late); output: oops\n")
        })
        #expect(try Self.waitForStatus(client, job: "stray.1", status: "failed"))
        #expect(ServerProcess.eventually {
            server.stderr.contains("[WARN] job stray.1 is due but no rule matches it: recorded failed\n")
        })
    }

    @Test func failingCommandEndsFailedAndTrueEndsExecuted() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 RULE SET bad bad. shell \"exit 3\"\nr2 RULE SET good good. shell true\nr3 SET bad.1 1\nr4 SET good.1 1\n")
        #expect(try client.receive("r1 OK\nr2 OK\nr3 OK\nr4 OK\n") == "r1 OK\nr2 OK\nr3 OK\nr4 OK\n")
        #expect(try Self.waitForStatus(client, job: "bad.1", status: "failed"))
        #expect(try Self.waitForStatus(client, job: "good.1", status: "executed"))
    }

    @Test func timeoutKillsAndFails() throws {
        let server = try ServerProcess(extraConfig: "[runner]\ntimeout_ms = 300\n")
        let client = try TestClient(port: server.port)
        let started = Date()
        try client.send("r1 RULE SET slow slow. shell \"sleep 30\"\nr2 SET slow.1 1\n")
        #expect(try client.receive("r1 OK\nr2 OK\n") == "r1 OK\nr2 OK\n")
        #expect(try Self.waitForStatus(client, job: "slow.1", status: "failed"))
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func directRunnerDoesNotUseAShell() throws {
        let server = try ServerProcess()
        let marker = server.directory.appendingPathComponent("argv").path
        let client = try TestClient(port: server.port)
        // The script receives the argument as-is: no expansion of $HOME, no `;` splitting.
        let request = "r1 RULE SET d d. direct /bin/sh -c \"printf %s \\\"\\$1\\\" > \(marker)\" sh \"$HOME;echo x\"\nr2 SET d.1 1\n"
        try client.send(request)
        #expect(try client.receive("r1 OK\nr2 OK\n") == "r1 OK\nr2 OK\n")
        #expect(try Self.waitForStatus(client, job: "d.1", status: "executed"))
        #expect(try String(contentsOfFile: marker, encoding: .utf8) == "$HOME;echo x")
    }

    @Test func longestPrefixWins() throws {
        let server = try ServerProcess()
        let short = server.directory.appendingPathComponent("short").path
        let long = server.directory.appendingPathComponent("long").path
        let client = try TestClient(port: server.port)
        try client.send("r1 RULE SET ra a. shell \"touch \(short)\"\nr2 RULE SET rb a.b. shell \"touch \(long)\"\nr3 SET a.b.c 1\n")
        #expect(try client.receive("r1 OK\nr2 OK\nr3 OK\n") == "r1 OK\nr2 OK\nr3 OK\n")
        #expect(try Self.waitForStatus(client, job: "a.b.c", status: "executed"))
        #expect(FileManager.default.fileExists(atPath: long))
        #expect(!FileManager.default.fileExists(atPath: short))
    }
}
