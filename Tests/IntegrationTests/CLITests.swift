import Foundation
import Glibc
import Testing

/// `kairos cli` against the real server: answers and exit codes, the no-answer messages,
/// `--pipe` at scale, `stat --json`, TLS verification and AUTH.
@Suite struct CLITests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `kairos cli <arguments>` with `input` on stdin (a file, so it is not a TTY).
    static func cli(_ arguments: [String], input: String = "", directory: URL? = nil, timeout: Double = 60) throws -> Run {
        let scratch = try ServerProcess.makeDirectory()
        let inURL = scratch.appendingPathComponent("stdin")
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        try input.write(to: inURL, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binaryPath)
        process.arguments = ["cli"] + arguments
        if let directory { process.currentDirectoryURL = directory }
        let stdin = try FileHandle(forReadingFrom: inURL)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardInput = stdin
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let finished = ServerProcess.eventually(timeout: timeout) { !process.isRunning }
        if !finished { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try stdin.close()
        try out.close()
        try err.close()
        let text = { (url: URL) in String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self) }
        return Run(status: finished ? process.terminationStatus : -1, stdout: text(outURL), stderr: text(errURL))
    }

    // MARK: Plain

    @Test func commandsPrintAnswersWithoutIds() throws {
        let server = try ServerProcess()
        let port = ["-p", "\(server.port)"]
        let set = try Self.cli(port + ["SET", "backup.daily", "2026-12-24T18:00:00Z"])
        #expect(set.status == 0 && set.stdout == "OK\n" && set.stderr == "")
        let get = try Self.cli(port + ["get", "backup.daily"])
        #expect(get.status == 0 && get.stdout == "OK planned 1798135200000000000\n")
        let offset = try Self.cli(port + ["SET", "backup.weekly", "2026-12-24T19:30:00.5+01:30"])
        #expect(offset.status == 0)
        let query = try Self.cli(port + ["QUERY", "backup."])
        #expect(query.status == 0)
        #expect(query.stdout == "backup.daily planned 1798135200000000000\nbackup.weekly planned 1798135200500000000\nOK\n")
        let rule = try Self.cli(port + ["RULE", "SET", "r.1", "backup.", "shell", "echo \"done\""])
        #expect(rule.status == 0 && rule.stdout == "OK\n")
        let rules = try Self.cli(port + ["LISTRULES"])
        #expect(rules.status == 0 && rules.stdout.hasSuffix("\nOK\n") && rules.stdout.hasPrefix("r.1 backup. shell "))
        let missing = try Self.cli(port + ["REMOVE", "nothing"])
        #expect(missing.status == 1 && missing.stdout == "ERROR\n" && missing.stderr == "")
    }

    @Test func malformedRequestsGetTheNoAnswerMessage() throws {
        let server = try ServerProcess()
        let port = ["-p", "\(server.port)"]
        let unknown = try Self.cli(port + ["FOO", "bar"])
        #expect(unknown.status == 1 && unknown.stdout == "")
        #expect(unknown.stderr == "kairos cli: no answer to \"FOO bar\" (the server does not answer malformed requests)\n")
        let bareGet = try Self.cli(port + ["GET"])
        #expect(bareGet.status == 1)
        #expect(bareGet.stderr == "kairos cli: no answer to \"GET\" (the server does not answer malformed requests)\n")
        let badTime = try Self.cli(port + ["SET", "a", "2026-02-30T00:00:00Z"])
        #expect(badTime.status == 1 && badTime.stdout == "")
        #expect(badTime.stderr == "kairos cli: invalid timestamp 2026-02-30T00:00:00Z: a field is out of range\n")
    }

    /// A listener that never accepts: the kernel completes the handshake and takes the request,
    /// and nothing ever answers.
    @Test func silenceEndsAfterTheTimeout() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        #expect(bound && listen(fd, 4) == 0)
        let port = UInt16(bigEndian: address.sin_port)
        let started = Date()
        let run = try Self.cli(["-p", "\(port)", "--timeout-ms", "300", "STAT"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(run.status == 1 && run.stdout == "")
        #expect(run.stderr == "kairos cli: no answer to \"STAT\" within 300 ms (the server does not answer malformed requests)\n")
        #expect(elapsed >= 0.3 && elapsed < 10)
    }

    @Test func usageErrorsAndRefusedConnections() throws {
        let usage = try Self.cli(["-p", "0", "STAT"])
        #expect(usage.status == 2 && usage.stderr == "kairos cli: -p 0: expected a port number from 1 to 65535\n")
        let port = try ServerProcess.freePort()
        let refused = try Self.cli(["-p", "\(port)", "STAT"])
        #expect(refused.status == 1 && refused.stderr == "kairos cli: cannot connect to 127.0.0.1:\(port): Connection refused\n")
        let help = try Self.cli(["--help"])
        #expect(help.status == 0 && help.stdout.hasPrefix("usage: kairos cli [options] [COMMAND [ARG ...]]\n"))
    }

    @Test func statAsJSON() throws {
        let server = try ServerProcess()
        let run = try Self.cli(["-p", "\(server.port)", "stat", "--json"])
        #expect(run.status == 0 && run.stderr == "")
        #expect(run.stdout.hasSuffix("}\n") && run.stdout.filter { $0 == "\n" }.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?.count == 15)
        #expect(object?["connections"] as? Int == 1)
        #expect(object?["persistence"] as? String == "memory")
        #expect(object?["framerate"] as? Int == 512)
        // The server's order: each key's position in the text.
        let keys = ["uptime_ns", "connections", "jobs_total", "jobs_planned", "jobs_triggered", "jobs_executed", "jobs_failed",
            "rules_total", "executions_pending", "executions_inflight", "persistence", "compression", "auth_enabled",
            "tls_enabled", "framerate"]
        let positions = keys.map { run.stdout.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
    }

    // MARK: --pipe

    @Test func pipeTenThousandCommandsInOrder() throws {
        let server = try ServerProcess()
        var input = ""
        var expected = ""
        for index in 0..<5_000 {
            input += "SET job.\(index) \(1_900_000_000_000_000_000 + index)\nGET job.\(index)\n"
            expected += "OK\nOK planned \(1_900_000_000_000_000_000 + index)\n"
        }
        let started = Date()
        let run = try Self.cli(["-p", "\(server.port)", "--pipe"], input: input)
        let elapsed = Date().timeIntervalSince(started)
        #expect(run.status == 0 && run.stderr == "")
        #expect(run.stdout == expected)
        // One round trip per line would take far longer; pipelined, a debug build needs about a second.
        #expect(elapsed < 20)
        let count = try Self.cli(["-p", "\(server.port)", "stat", "--json"])
        #expect(count.stdout.contains("\"jobs_total\":5000,"))
    }

    @Test func pipeKeepsOrderAroundDroppedAndRefusedLines() throws {
        let server = try ServerProcess()
        let input = "SET a 5\nFOO\n\nGET \"open\nGET a\nSET b 2026-13-01T00:00:00Z\nQUERY\nGET\n"
        // Without a TTY and without a command, stdin is read as with --pipe.
        let run = try Self.cli(["-p", "\(server.port)"], input: input)
        #expect(run.status == 1)
        #expect(run.stdout == "OK\n(no answer)\n(not sent)\nOK planned 5\n(not sent)\na planned 5\nOK\n(no answer)\n")
        #expect(run.stderr == """
            kairos cli: no answer to "FOO" (the server does not answer malformed requests)
            kairos cli: line 4: unterminated quote (a " opens a token that must be closed on the same line)
            kairos cli: line 6: invalid timestamp 2026-13-01T00:00:00Z: a field is out of range
            kairos cli: no answer to "GET" (the server does not answer malformed requests)

            """)
    }

    /// A script that pauses longer than the timeout between lines is not a silent server: the
    /// dropped line is reported at once (the client follows it with a request of its own), and
    /// the pause ends nothing.
    @Test func pipeReportsDropsAtOnceAndSurvivesPauses() throws {
        let server = try ServerProcess()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binaryPath)
        process.arguments = ["cli", "-p", "\(server.port)", "--timeout-ms", "200", "--pipe"]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data("SET a 4102444800000000000\nFOO\n".utf8))
        // Both answers arrive while stdin stays open (an empty read means the client exited).
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).hasSuffix("(no answer)\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        #expect(String(decoding: seen, as: UTF8.self) == "OK\n(no answer)\n")
        usleep(600_000)  // the pause under test: three timeouts long
        input.fileHandleForWriting.write(Data("GET a\n".utf8))
        try input.fileHandleForWriting.close()
        seen.append(output.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(String(decoding: seen, as: UTF8.self) == "OK\n(no answer)\nOK planned 4102444800000000000\n")
        #expect(stderr == "kairos cli: no answer to \"FOO\" (the server does not answer malformed requests)\n")
        #expect(process.terminationStatus == 1)
    }

    /// Long listings over TLS while more requests stream in: partial TLS writes and the server's
    /// listing flow control must not stall the pipeline.
    @Test func pipeOverTLSWithLongListings() throws {
        let directory = try ServerProcess.makeDirectory()
        let (certificate, key) = try TestCertificate.make(in: directory)
        let server = try ServerProcess(controller: "tls_cert = \"\(certificate)\"\ntls_key = \"\(key)\"\n", directory: directory)
        var input = ""
        for index in 0..<3_000 { input += "SET job.\(index) \(1_900_000_000_000_000_000 + index)\n" }
        for index in 0..<3_000 { input += (index % 300 == 0 ? "QUERY job.\n" : "") + "GET job.\(index)\n" }
        let run = try Self.cli(["-p", "\(server.port)", "--tls", "--insecure", "--pipe"], input: input)
        #expect(run.status == 0 && run.stderr == "")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        // 3,000 OKs, 10 listings of 3,000 jobs and an OK, 3,000 GET answers, and the final empty piece.
        #expect(lines.count == 3_000 + 10 * 3_001 + 3_000 + 1)
        #expect(lines.last == "" && lines[lines.count - 2] == "OK planned \(1_900_000_000_000_000_000 + 2_999)")
        #expect(lines[3_000] == "job.0 planned 1900000000000000000")
    }

    // MARK: TLS and AUTH

    @Test func tlsVerifiesTheCertificateAndName() throws {
        let directory = try ServerProcess.makeDirectory()
        let (certificate, key) = try TestCertificate.make(in: directory)
        let server = try ServerProcess(controller: "tls_cert = \"\(certificate)\"\ntls_key = \"\(key)\"\n", directory: directory)
        let port = ["-p", "\(server.port)"]
        let trusted = try Self.cli(port + ["-h", "localhost", "--tls", "--cacert", certificate, "GET", "none"])
        #expect(trusted.status == 1 && trusted.stdout == "ERROR\n" && trusted.stderr == "")
        let stat = try Self.cli(port + ["-h", "localhost", "--tls", "--cacert", certificate, "stat", "--json"])
        #expect(stat.status == 0 && stat.stdout.contains("\"tls_enabled\":1,"))
        // The certificate names localhost, not 127.0.0.1.
        let wrongName = try Self.cli(port + ["--tls", "--cacert", certificate, "STAT"])
        #expect(wrongName.status == 1 && wrongName.stdout == "")
        #expect(wrongName.stderr.hasPrefix("kairos cli: TLS: the server's certificate was not accepted: IP address mismatch"))
        // Self-signed and not in the system store.
        let untrusted = try Self.cli(port + ["-h", "localhost", "--tls", "STAT"])
        #expect(untrusted.status == 1)
        #expect(untrusted.stderr.hasPrefix("kairos cli: TLS: the server's certificate was not accepted: self-signed certificate"))
        let insecure = try Self.cli(port + ["--tls", "--insecure", "SET", "a", "2026-12-24T18:00:00Z"])
        #expect(insecure.status == 0 && insecure.stdout == "OK\n")
        let plain = try Self.cli(port + ["--timeout-ms", "3000", "STAT"])
        #expect(plain.status == 1)
    }

    static let tokens = """
        [token.deploy]
        secret = "sk deploy"
        namespace = "deploy."

        [token.admin]
        secret = "sk_admin"
        namespace = "*"

        """

    @Test func authValidRefusedAndNamespaces() throws {
        let directory = try ServerProcess.makeDirectory()
        let path = directory.appendingPathComponent("tokens.toml").path
        try Self.tokens.write(toFile: path, atomically: true, encoding: .utf8)
        let server = try ServerProcess(controller: "auth_file = \"\(path)\"\n", directory: directory)
        let port = ["-p", "\(server.port)"]
        // A secret with a space goes quoted.
        let allowed = try Self.cli(port + ["--auth", "sk deploy", "SET", "deploy.x", "2026-12-24T18:00:00Z"])
        #expect(allowed.status == 0 && allowed.stdout == "OK\n" && allowed.stderr == "")
        let denied = try Self.cli(port + ["--auth", "sk deploy", "SET", "backup.x", "1"])
        #expect(denied.status == 1 && denied.stdout == "ERROR\n")
        let fromFile = try Self.cli(port + ["--auth-file-token", "admin", "--auth-file", path, "QUERY"])
        #expect(fromFile.status == 0 && fromFile.stdout == "deploy.x planned 1798135200000000000\nOK\n")
        // The default auth file is tokens.toml in the working directory.
        let defaultFile = try Self.cli(port + ["--auth-file-token", "admin", "GET", "deploy.x"], directory: directory)
        #expect(defaultFile.status == 0 && defaultFile.stdout == "OK planned 1798135200000000000\n")
        let refused = try Self.cli(port + ["--auth", "wrong", "STAT"])
        #expect(refused.status == 1 && refused.stdout == "")
        #expect(refused.stderr == "kairos cli: authentication refused: the server does not know this secret\n")
        let missing = try Self.cli(port + ["STAT"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "kairos cli: the server requires AUTH (use --auth SECRET or --auth-file-token NAME) before answering \"STAT\"\n")
        let unknownToken = try Self.cli(port + ["--auth-file-token", "nobody", "--auth-file", path, "STAT"])
        #expect(unknownToken.status == 1 && unknownToken.stderr == "kairos cli: --auth-file-token: auth file \(path) has no [token.nobody]\n")
        // Secrets never reach the output.
        for run in [allowed, denied, fromFile, refused] {
            #expect(!run.stdout.contains("sk") && !run.stderr.contains("sk deploy") && !run.stderr.contains("wrong"))
        }
    }

    @Test func authAgainstAServerWithoutAuthWarns() throws {
        let server = try ServerProcess()
        let run = try Self.cli(["-p", "\(server.port)", "--auth", "anything", "GET", "none"])
        #expect(run.status == 1 && run.stdout == "ERROR\n")
        #expect(run.stderr == "kairos cli: the server does not use AUTH; the secret was ignored\n")
    }

    // MARK: Interactive

    /// util-linux `script` gives the client a pseudo-terminal, so it prompts; the commands
    /// arrive as typed lines and `quit` ends the session.
    @Test func interactivePromptTableAndHistory() throws {
        let server = try ServerProcess()
        let home = try ServerProcess.makeDirectory()
        let process = Process()
        // coreutils timeout ends a hung session, so the read below cannot wait forever.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["30", "/usr/bin/script", "-qec", "\(ServerProcess.binaryPath) cli -p \(server.port)", "/dev/null"]
        process.environment = ["HOME": home.path, "TERM": "dumb", "PATH": "/usr/bin:/bin"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data("set q 2026-12-24T18:00:00Z\nget q\nFOO\nstat\nhelp\nquit\n".utf8))
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r", with: "")
        let prompt = "127.0.0.1:\(server.port)> "
        #expect(process.terminationStatus == 0)
        #expect(text.contains("\(prompt)set q 2026-12-24T18:00:00Z\nOK\n\(prompt)get q\nOK planned 1798135200000000000\n"))
        #expect(text.contains("\(prompt)FOO\nkairos cli: no answer to \"FOO\" (the server does not answer malformed requests)\n"))
        // The table: keys padded to the longest (executions_inflight, 19 bytes, plus 2), numbers
        // right-aligned to one column, words left-aligned where the numbers start.
        let lines = text.split(separator: "\n").map(String.init)
        let numeric = ["connections", "jobs_total", "rules_total", "executions_inflight", "framerate"].compactMap { key in
            lines.first { $0.hasPrefix(key + " ") }
        }
        #expect(numeric.count == 5)
        #expect(Set(numeric.map(\.count)).count == 1)
        #expect(numeric.allSatisfy { $0.hasSuffix(" 1") || $0.hasSuffix(" 0") || $0.hasSuffix(" 512") })
        #expect(lines.contains("persistence          memory") && lines.contains("compression          idle"))
        #expect(text.contains("Commands (request ids are added for you"))
        #expect(text.hasSuffix("\(prompt)quit\n"))
        let history = try String(contentsOf: home.appendingPathComponent(".kairos_cli_history"), encoding: .utf8)
        // libedit's history file escapes spaces as \040.
        #expect(history.contains("get\\040q\n") && history.contains("stat\n"))
    }
}
