import Foundation
import Glibc
import KairosProtocol
import Testing
@testable import KairosRunners

/// Real children through a started pool: what succeeds, what fails, what the child sees.
@Suite struct ProcessRunnerTests {
    @Test func trueSucceedsAndFalseFails() throws {
        let harness = try Harness()
        #expect(harness.run(direct("true")) == true)
        #expect(harness.run(direct("false")) == false)
        #expect(harness.run(shell("true")) == true)
    }

    @Test func shellExitStatusDecides() throws {
        let harness = try Harness()
        #expect(harness.run(shell("exit 3")) == false)
        #expect(harness.run(shell("exit 0")) == true)
        #expect(harness.log.all.contains { $0.hasPrefix("[DEBUG] runner: job job pid ") && $0.hasSuffix(" ended: exit status 3") })
    }

    @Test func deathBySignalFails() throws {
        let harness = try Harness()
        #expect(harness.run(shell("kill -KILL $$")) == false)
        #expect(harness.log.all.contains { $0.hasSuffix(" ended: killed by signal 9") })
    }

    @Test func shellRunsTheCommandAndTheChildInheritsCwdAndEnvironment() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let marker = directory.appendingPathComponent("marker").path
        let harness = try Harness()
        let command = "printf '%s|%s' \"$(pwd)\" \"$PATH\" > '\(marker)'"
        #expect(harness.run(shell(command)) == true)
        let written = try String(contentsOfFile: marker, encoding: .utf8)
        let environment = ProcessInfo.processInfo.environment["PATH"] ?? ""
        #expect(written == FileManager.default.currentDirectoryPath + "|" + environment)
    }

    @Test func directDoesNotInterpretItsArguments() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let marker = directory.appendingPathComponent("argv").path
        let harness = try Harness()
        let literal = "$HOME;echo `id` *"
        #expect(harness.run(direct("/bin/sh", "-c", "printf %s \"$1\" > \"$2\"", "sh", literal, marker)) == true)
        #expect(try String(contentsOfFile: marker, encoding: .utf8) == literal)
    }

    @Test func executableWithoutSlashIsSearchedInPath() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let marker = directory.appendingPathComponent("touched").path
        let harness = try Harness()
        #expect(harness.run(direct("touch", marker)) == true)
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    @Test func standardStreamsAreDevNull() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        signal(SIGPIPE, SIG_IGN)
        let harness = try Harness()
        // The shell's own descriptors and blocked-signal mask, as the pool gave them.
        let probe = directory.appendingPathComponent("probe").path
        // `-ef` compares the files themselves; printing only through fd 3 leaves 0-2 untouched.
        // Builtins only: while a forked child runs, dash blocks every signal in itself.
        let shellStreams = """
            exec 3> '\(probe)'
            for fd in 0 1 2; do if [ /proc/$$/fd/$fd -ef /dev/null ]; then echo null >&3; else echo other >&3; fi; done
            while read -r key value; do case $key in SigBlk:|SigIgn:) echo "$key $value" >&3;; esac; done < /proc/$$/status
            """
        #expect(harness.run(shell(shellStreams)) == true)
        let lines = try String(contentsOfFile: probe, encoding: .utf8).split(separator: "\n")
        try #require(lines.count == 5)
        #expect(lines[0..<4] == ["null", "null", "null", "SigBlk: 0000000000000000"])
        // The server ignores SIGPIPE; its children must not. (glibc's posix_spawn leaves its two
        // internal real-time signals, 32 and 33, ignored: only the 31 standard ones are checked.)
        let ignored = try #require(UInt64(lines[4].dropFirst("SigIgn: ".count), radix: 16))
        #expect(ignored & 0x7fff_ffff == 0)  // bit n-1 is signal n
    }

    @Test func missingExecutableFails() throws {
        let harness = try Harness()
        #expect(harness.run(direct("kairos-no-such-program-\(UInt32.random(in: 0...UInt32.max))")) == false)
        #expect(harness.run(direct("/nonexistent/dir/tool")) == false)
        #expect(harness.log.all.contains { $0.hasPrefix("[WARN] runner: job job: cannot start /nonexistent/dir/tool: ") })
        #expect(harness.stats.executionsInflight.load(ordering: .relaxed) == 0)
    }

    @Test func argumentWithNulFailsWithoutStarting() throws {
        let harness = try Harness()
        #expect(harness.run(.direct(executable: bytes("true"), args: [[0x61, 0x00]])) == false)
        #expect(harness.log.all == ["[WARN] runner: job job not started: an argument contains a NUL byte"])
    }

    @Test func networkRunnersWithoutAClientFailWithAWarning() throws {
        let harness = try Harness()
        harness.submit(.amqp(dsn: bytes("amqp://u:p@127.0.0.1"), exchange: bytes("x"), routingKey: bytes("k")), id: "a.1")
        harness.submit(.redis(url: bytes("redis://127.0.0.1"), command: bytes("SET"), key: bytes("k")), id: "r.1")
        let outcomes = harness.awaitOutcomes(2)
        #expect(outcomes == [
            ExecutionOutcome(jobID: bytes("a.1"), generation: 1, success: false),
            ExecutionOutcome(jobID: bytes("r.1"), generation: 2, success: false),
        ])
        // Sorted: the warnings come as each kind is first seen, the failures once the turn ends.
        #expect(harness.log.all.sorted() == [
            "[WARN] runner amqp is not available in this build",
            "[INFO] runner: job a.1 (amqp) failed: runner amqp is not available in this build",
            "[WARN] runner redis is not available in this build",
            "[INFO] runner: job r.1 (redis) failed: runner redis is not available in this build",
        ].sorted())
    }

    @Test func awfGetsItsArgvAndStderrIsLogged() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("fake-awf").path
        let marker = directory.appendingPathComponent("awf-argv").path
        try writeExecutable(script, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '\(marker)'\necho \"workflow $2 broke\" >&2\nexit 4\n")
        let harness = try Harness(awfProgram: bytes(script))
        #expect(harness.run(.awf(workflow: bytes("deploy"), inputs: [bytes("env=prod"), bytes("a b")])) == false)
        #expect(try String(contentsOfFile: marker, encoding: .utf8) == "run\ndeploy\n--input\nenv=prod\n--input\na b\n")
        #expect(harness.log.all.contains("[DEBUG] runner: job job stderr: workflow deploy broke\n"))
    }

    @Test func awfStderrBeyondFourKiBIsDrainedNotKept() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("noisy-awf").path
        // 200 KiB is far more than a pipe holds: the child only exits if the pool keeps reading.
        try writeExecutable(script, "#!/bin/sh\nhead -c 204800 /dev/zero | tr '\\0' e >&2\n")
        let harness = try Harness(awfProgram: bytes(script))
        #expect(harness.run(.awf(workflow: bytes("w"), inputs: [])) == true)
        let expected = "[DEBUG] runner: job job stderr: " + String(repeating: "e", count: 4096) + " [\(204800 - 4096) more bytes dropped]"
        #expect(harness.log.all.contains(expected))
    }
}
