import Testing

@testable import KairosClient

/// `kairos cli` argument handling: defaults, each option, the command boundary, and the usage
/// errors with their exact messages.
@Suite struct CLIOptionsTests {
    private func parse(_ arguments: [String], tty: Bool = false) throws -> CLIOptions {
        try CLIOptions.parse(arguments, stdinIsTTY: tty)
    }

    private func usageError(_ arguments: [String]) -> String? {
        do {
            _ = try CLIOptions.parse(arguments, stdinIsTTY: false)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func defaultsWithoutArguments() throws {
        let interactive = try parse([], tty: true)
        #expect(interactive.host == "127.0.0.1")
        #expect(interactive.port == 5678)
        #expect(interactive.tls == false)
        #expect(interactive.authentication == .none)
        #expect(interactive.timeoutMilliseconds == 2_000)
        #expect(interactive.mode == .interactive)
        #expect(interactive.address == "127.0.0.1:5678")
        // Without a terminal and without a command, stdin is a script.
        #expect(try parse([], tty: false).mode == .pipe)
    }

    @Test func hostPortAndCommand() throws {
        let options = try parse(["-h", "db.example", "-p", "6000", "SET", "a", "2026-12-24T18:00:00Z"])
        #expect(options.host == "db.example")
        #expect(options.port == 6000)
        #expect(options.mode == .command(["SET", "a", "2026-12-24T18:00:00Z"]))
        let long = try parse(["--host", "::1", "--port", "7"], tty: true)
        #expect(long.address == "[::1]:7")
    }

    @Test func everythingAfterTheCommandBelongsToIt() throws {
        // A job id may start with "-"; options end at the first command word.
        #expect(try parse(["GET", "-p"]).mode == .command(["GET", "-p"]))
        #expect(try parse(["--", "--pipe"]).mode == .command(["--pipe"]))
    }

    @Test func tlsOptions() throws {
        let verified = try parse(["--tls", "--cacert", "ca.pem", "STAT"])
        #expect(verified.tls && verified.caCertificate == "ca.pem" && !verified.insecure)
        let insecure = try parse(["--tls", "--insecure", "STAT"])
        #expect(insecure.insecure)
        #expect(usageError(["--cacert", "ca.pem", "STAT"]) == "--cacert and --insecure need --tls")
        #expect(usageError(["--insecure", "STAT"]) == "--cacert and --insecure need --tls")
        #expect(usageError(["--tls", "--insecure", "--cacert", "x", "STAT"]) == "--cacert and --insecure exclude each other (--insecure verifies nothing)")
    }

    @Test func authentication() throws {
        #expect(try parse(["--auth", "s", "STAT"]).authentication == .secret("s"))
        #expect(try parse(["--auth-file-token", "ops", "STAT"]).authentication == .fileToken(name: "ops", path: "tokens.toml"))
        #expect(try parse(["--auth-file-token", "ops", "--auth-file", "/etc/k/t.toml", "STAT"]).authentication
            == .fileToken(name: "ops", path: "/etc/k/t.toml"))
        #expect(usageError(["--auth", "s", "--auth-file-token", "ops", "STAT"]) == "--auth and --auth-file-token exclude each other")
        #expect(usageError(["--auth-file", "t.toml", "STAT"]) == "--auth-file goes with --auth-file-token")
        #expect(usageError(["--auth", "s", "--auth-file", "t.toml", "STAT"]) == "--auth-file goes with --auth-file-token")
    }

    @Test func statJSON() throws {
        let trailing = try parse(["stat", "--json"])
        #expect(trailing.json && trailing.mode == .command(["stat"]))
        let leading = try parse(["--json", "STAT"])
        #expect(leading.json && leading.mode == .command(["STAT"]))
        #expect(usageError(["--json", "GET", "a"]) == "--json works only with the stat command: kairos cli stat --json")
        #expect(usageError(["--json", "--pipe"]) == "--json works only with the stat command: kairos cli stat --json")
        // Only a trailing --json after stat is an option; elsewhere it is an argument.
        #expect(try parse(["GET", "--json"]).mode == .command(["GET", "--json"]))
    }

    @Test func pipeAndHelp() throws {
        #expect(try parse(["--pipe"], tty: true).mode == .pipe)
        #expect(usageError(["--pipe", "STAT"]) == "--pipe reads commands from stdin; give no command")
        #expect(try parse(["-p", "1", "--help"]).mode == .help)
    }

    @Test func badValues() {
        #expect(usageError(["-p", "0"]) == "-p 0: expected a port number from 1 to 65535")
        #expect(usageError(["--port", "65536"]) == "--port 65536: expected a port number from 1 to 65535")
        #expect(usageError(["-p"]) == "-p needs a value")
        #expect(usageError(["-h", ""]) == "-h needs a host name or address")
        #expect(usageError(["--timeout-ms", "0"]) == "--timeout-ms 0: expected milliseconds from 1 to 86400000")
        #expect(usageError(["--timeout-ms", "x"]) == "--timeout-ms x: expected milliseconds from 1 to 86400000")
        #expect(usageError(["--verbose"]) == "unknown option --verbose (see kairos cli --help)")
        #expect((try? parse(["--timeout-ms", "150", "STAT"]))?.timeoutMilliseconds == 150)
    }
}
