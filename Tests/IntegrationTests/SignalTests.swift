import Foundation
import Glibc
import Testing

/// Signals an operator, a supervisor or a closed terminal may send: none kills the server
/// without a drain. SIGHUP reloads the auth file and the log level, SIGUSR1 logs a status,
/// SIGUSR2 is logged, SIGINT/SIGTERM/SIGQUIT stop gracefully with status 0.
@Suite struct SignalTests {
    static let firstTokens = """
        [token.alpha]
        secret = "sk_alpha"
        namespace = "*"
        """

    static let secondTokens = """
        [token.beta]
        secret = "sk_beta"
        namespace = "beta."
        """

    private static func authServer() throws -> (ServerProcess, tokens: String) {
        let directory = try ServerProcess.makeDirectory()
        let tokens = directory.appendingPathComponent("tokens.toml").path
        try firstTokens.write(toFile: tokens, atomically: true, encoding: .utf8)
        return (try ServerProcess(controller: "auth_file = \"\(tokens)\"", directory: directory), tokens)
    }

    /// Answers `AUTH secret` on a new connection with (`OK` or `ERROR`).
    private static func authenticate(_ server: ServerProcess, _ secret: String) throws -> String {
        let client = try TestClient(port: server.port)
        try client.send("AUTH \(secret)\n")
        return try client.readLine().trimmingCharacters(in: .newlines)
    }

    @Test func sighupReloadsTheAuthFileForNewConnections() throws {
        let (server, tokens) = try Self.authServer()
        let veteran = try TestClient(port: server.port)
        try veteran.send("AUTH sk_alpha\n")
        #expect(try veteran.receive("OK\n") == "OK\n")

        try Self.secondTokens.write(toFile: tokens, atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        #expect(ServerProcess.eventually {
            server.stderr.contains("[INFO] SIGHUP: reloaded \(server.directory.path)/kairos.toml: auth file \(tokens): 1 tokens, added beta, removed alpha\n")
        })
        #expect(try Self.authenticate(server, "sk_beta") == "OK")
        #expect(try Self.authenticate(server, "sk_alpha") == "ERROR")
        // A connection authenticated before the reload keeps its session.
        try veteran.send("r1 SET any.x 4102444800000000000\n")
        #expect(try veteran.receive("r1 OK\n") == "r1 OK\n")
        #expect(!server.stderr.contains("sk_"))
        #expect(server.terminate() == 0)
    }

    @Test func aBrokenAuthFileIsRefusedAndTheOldTokensStay() throws {
        let (server, tokens) = try Self.authServer()
        try "[token.beta]\nsecret = \n".write(toFile: tokens, atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        #expect(ServerProcess.eventually { server.stderr.contains("[ERROR] SIGHUP: reload refused, keeping the current settings: ") })
        #expect(try Self.authenticate(server, "sk_alpha") == "OK")
        #expect(try Self.authenticate(server, "sk_beta") == "ERROR")

        try FileManager.default.removeItem(atPath: tokens)
        kill(server.pid, SIGHUP)
        #expect(ServerProcess.eventually {
            server.stderr.contains(
                "[ERROR] SIGHUP: reload refused, keeping the current settings: auth file \(tokens): No such file or directory\n")
        })
        #expect(server.stderr.components(separatedBy: "reload refused, keeping the current settings").count == 3)
        // Reload errors read like the startup ones: the file, then the problem; no `error:` inside a log line.
        #expect(!server.stderr.contains("settings: error:"))
        #expect(try Self.authenticate(server, "sk_alpha") == "OK")
        #expect(server.terminate() == 0)
    }

    @Test func sighupChangesTheLogLevelAndNamesKeysThatNeedARestart() throws {
        let server = try ServerProcess()
        let config = server.directory.appendingPathComponent("kairos.toml")
        let original = try String(contentsOf: config, encoding: .utf8)
        #expect(original.contains("level = \"debug\""))
        try original.replacingOccurrences(of: "level = \"debug\"", with: "level = \"warn\"")
            .replacingOccurrences(of: "persistence = \"memory\"", with: "persistence = \"memory\"\nframerate = 100")
            .write(to: config, atomically: true, encoding: .utf8)
        _ = try TestClient(port: server.port)
        #expect(ServerProcess.eventually { server.stderr.contains("[DEBUG] client connected") })

        kill(server.pid, SIGHUP)
        #expect(ServerProcess.eventually {
            server.stderr.contains("[INFO] SIGHUP: reloaded \(config.path): log level debug → warn\n")
                && server.stderr.contains("[WARN] SIGHUP: changes to database.framerate take effect only after a restart\n")
        })
        let debugLines = server.stderr.components(separatedBy: "[DEBUG]").count
        let client = try TestClient(port: server.port)
        try client.send("r1 GET nothing\n")
        #expect(try client.receive("r1 ERROR\n") == "r1 ERROR\n")
        #expect(server.stderr.components(separatedBy: "[DEBUG]").count == debugLines)
        #expect(server.terminate() == 0)
    }

    @Test func sigusr1LogsAStatusAndSigusr2IsIgnored() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 SET kept 4102444800000000000\n")
        #expect(try client.receive("r1 OK\n") == "r1 OK\n")

        kill(server.pid, SIGUSR1)
        #expect(ServerProcess.eventually { server.stderr.contains("requests_ring=") })
        let status: [Substring] = server.stderr.split(separator: "\n").compactMap { line in
            line.firstRange(of: "[INFO] status: ").map { line[$0.upperBound...] }
        }
        #expect(status.count == 4)
        let fields = status.flatMap { $0.split(separator: " ") }.map(String.init)
        #expect(fields.map { $0.prefix { $0 != "=" } } == [
            "uptime_ns", "connections", "jobs_total", "jobs_planned", "jobs_triggered", "jobs_executed",
            "jobs_failed", "rules_total", "executions_pending", "executions_inflight", "persistence", "compression",
            "auth_enabled", "tls_enabled", "framerate", "journal_lag_entries", "answers_waiting_for_journal",
            "requests_ring", "responses_ring",
        ].map { Substring($0) })
        #expect(fields.contains("connections=1"))
        #expect(fields.contains("jobs_total=1"))
        #expect(fields.contains("journal_lag_entries=0"))
        #expect(fields.contains("requests_ring=0/65536"))

        kill(server.pid, SIGUSR2)
        #expect(ServerProcess.eventually { server.stderr.contains("[INFO] received SIGUSR2: no action is defined for it; ignoring") })
        try client.send("r2 GET kept\n")
        #expect(try client.receive("r2 OK planned 4102444800000000000\n") == "r2 OK planned 4102444800000000000\n")
        #expect(!server.stderr.contains("signal received: stopping"))
        #expect(server.terminate() == 0)
    }

    @Test func sigquitStopsWithADrain() throws {
        let server = try ServerProcess()
        #expect(server.terminate(signal: SIGQUIT) == 0)
        #expect(server.stderr.contains("signal received: stopping"))
    }

    @Test func sigpipeDoesNotKillTheServer() throws {
        let server = try ServerProcess()
        kill(server.pid, SIGPIPE)
        let client = try TestClient(port: server.port)
        try client.send("r1 GET x\n")
        #expect(try client.receive("r1 ERROR\n") == "r1 ERROR\n")
        #expect(server.terminate() == 0)
    }
}
