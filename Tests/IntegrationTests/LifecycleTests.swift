import Foundation
import Glibc
import Testing

/// Process-level behavior: CLI, configuration errors, signals.
@Suite struct LifecycleTests {
    @Test func versionFlag() throws {
        for flag in ["--version", "-v"] {
            let result = try ServerProcess.runCLI([flag])
            #expect(result.status == 0)
            #expect(result.stdout == "kairos 0.1.0\n")
        }
    }

    @Test func sigtermExitsZeroAfterAnswering() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("r1 SET a 4102444800000000000\n")
        #expect(try client.receive("r1 OK\n") == "r1 OK\n")
        #expect(server.terminate(signal: SIGTERM) == 0)
    }

    /// `top -H` and `/proc/PID/task/*/comm` tell the threads apart; the core keeps the
    /// process name (it runs on the main thread), so `pgrep -x kairos` still finds the server.
    @Test func threadsAreNamedAfterTheirRoles() throws {
        let directory = try ServerProcess.makeDirectory()
        let database = "[database]\npersistence = \"logfile\"\nlogfile_path = \"\(directory.appendingPathComponent("logfile").path)\"\n"
            + "compression_interval = 60"
        let server = try ServerProcess(database: database, directory: directory)
        let taskDirectory = "/proc/\(server.pid)/task"
        var names: Set<String> = []
        let named = ServerProcess.eventually {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: taskDirectory)) ?? []
            names = Set(tasks.compactMap { task in
                (try? String(contentsOfFile: "\(taskDirectory)/\(task)/comm", encoding: .utf8))?
                    .trimmingCharacters(in: .newlines)
            })
            return names == ["kairos", "kairos-reactor", "kairos-journal", "kairos-compact", "kairos-runner"]
        }
        #expect(named, "thread names: \(names.sorted())")
        #expect(server.terminate(signal: SIGTERM) == 0)
    }

    @Test func serverHelpSaysWhatTheDefaultsAre() throws {
        let result = try ServerProcess.runCLI(["server", "--help"])
        #expect(result.status == 0)
        let text = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("listen on 127.0.0.1:5678"))
        #expect(text.contains("keep state in ./logfile (relative to the working directory) with fsync on"))
        #expect(text.contains("3 when the logfile cannot be synced"))
    }

    /// One line tells an operator what the server is doing, and never a secret.
    @Test func startupSummaryLine() throws {
        let plain = try ServerProcess()
        // The listener accepts (in the kernel's backlog) a moment before the line is written.
        #expect(ServerProcess.eventually { plain.stderr.contains(
            "[INFO] kairos 0.1.0, listen 127.0.0.1:\(plain.port), auth off, persistence memory (nothing kept), "
                + "runners 16 at once, timeout none, HTTP API off, telemetry off\n") })
        #expect(plain.terminate() == 0)

        let directory = try ServerProcess.makeDirectory()
        let tokens = directory.appendingPathComponent("tokens.toml").path
        try "[token.a]\nsecret = \"sk_one\"\nnamespace = \"*\"\n[token.b]\nsecret = \"sk_two\"\nnamespace = \"b.\"\n"
            .write(toFile: tokens, atomically: true, encoding: .utf8)
        let logfile = directory.appendingPathComponent("logfile").path
        let server = try ServerProcess(
            extraConfig: "[runner]\nconcurrency = 4\ntimeout_ms = 2500\n",
            database: "[database]\npersistence = \"logfile\"\nlogfile_path = \"\(logfile)\"\nfsync_on_persist = false",
            controller: "auth_file = \"\(tokens)\"", directory: directory)
        #expect(ServerProcess.eventually { server.stderr.contains(
            "[INFO] kairos 0.1.0, listen 127.0.0.1:\(server.port), auth on (2 tokens), logfile \(logfile) (fsync off), "
                + "runners 4 at once, timeout 2500 ms, HTTP API off, telemetry off\n") })
        #expect(!server.stderr.contains("sk_"))
        #expect(server.terminate() == 0)
    }

    @Test func textLogLinesCarryAnRFC3339Time() throws {
        let server = try ServerProcess()
        #expect(server.terminate() == 0)
        let lines = server.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        let shape = try Regex(#"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z \[(ERROR|WARN|INFO|DEBUG)\] "#)
        for line in lines { #expect(line.firstMatch(of: shape) != nil, "\(line)") }
    }

    @Test func jsonLogLinesParseAsObjects() throws {
        let server = try ServerProcess(log: "level = \"debug\"\nformat = \"json\"")
        _ = try TestClient(port: server.port)
        #expect(ServerProcess.eventually { server.stderr.contains("client connected") })
        #expect(server.terminate() == 0)
        let lines = server.stderr.split(separator: "\n")
        #expect(lines.count >= 4)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
            #expect(object?.keys.sorted() == ["level", "message", "time"], "\(line)")
        }
        #expect(lines.contains { $0.contains("\"level\":\"info\",\"message\":\"listening on 127.0.0.1:\(server.port)\"") })
    }

    @Test func sigintExitsZero() throws {
        let server = try ServerProcess()
        #expect(server.terminate(signal: SIGINT) == 0)
    }

    @Test func invalidLogLevelExitsOne() throws {
        let directory = try ServerProcess.makeDirectory()
        let path = directory.appendingPathComponent("bad.toml").path
        try "[log]\nlevel = \"loud\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try ServerProcess.runCLI(["-c", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("log.level"))
    }

    @Test func missingConfigFileExitsOne() throws {
        let result = try ServerProcess.runCLI(["server", "-c", "/nonexistent/kairos.toml"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/kairos.toml"))
    }

    @Test func portInUseExitsOne() throws {
        let first = try ServerProcess()
        let second = try ServerProcess(port: first.port, waitForReady: false)
        #expect(ServerProcess.eventually { !second.process.isRunning })
        #expect(second.process.terminationStatus == 1)
        #expect(ServerProcess.eventually { second.stderr.contains("127.0.0.1:\(first.port)") })
    }

    @Test func unknownFlagExitsOne() throws {
        let result = try ServerProcess.runCLI(["--bogus"])
        #expect(result.status == 1)
    }
}
