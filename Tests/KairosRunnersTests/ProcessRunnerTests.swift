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

    @Test func stdinIsDevNullAndStdoutAndStderrShareTheOutputPipe() throws {
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
            if [ /proc/$$/fd/0 -ef /dev/null ]; then echo null >&3; else echo other >&3; fi
            if [ /proc/$$/fd/1 -ef /proc/$$/fd/2 ]; then echo shared >&3; else echo apart >&3; fi
            case $(readlink /proc/$$/fd/1) in pipe:*) echo pipe >&3;; *) echo other >&3;; esac
            while read -r key value; do case $key in SigBlk:|SigIgn:) echo "$key $value" >&3;; esac; done < /proc/$$/status
            """
        #expect(harness.run(shell(shellStreams)) == true)
        let lines = try String(contentsOfFile: probe, encoding: .utf8).split(separator: "\n")
        try #require(lines.count == 5)
        #expect(lines[0..<4] == ["null", "shared", "pipe", "SigBlk: 0000000000000000"])
        // The server ignores SIGPIPE; its children must not. (glibc's posix_spawn leaves its two
        // internal real-time signals, 32 and 33, ignored: only the 31 standard ones are checked.)
        let ignored = try #require(UInt64(lines[4].dropFirst("SigIgn: ".count), radix: 16))
        #expect(ignored & 0x7fff_ffff == 0)  // bit n-1 is signal n
    }

    @Test func runsSeeTheirJobRuleAndTimeInTheEnvironment() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let probe = directory.appendingPathComponent("env").path
        let harness = try Harness()
        let generation = harness.submit(
            shell("printf '%s|%s|%s|%s' \"$KAIROS_JOB_ID\" \"$KAIROS_RULE_ID\" \"$KAIROS_EXECUTION_NS\" \"${PATH:+path}\" > '\(probe)'"),
            id: "backup.db 1", rule: "backup.", scheduledAt: -42)
        #expect(harness.awaitOutcomes(1).first { $0.generation == generation }?.success == true)
        #expect(try String(contentsOfFile: probe, encoding: .utf8) == "backup.db 1|backup.|-42|path")
    }

    @Test func everyRunEndsWithOneOutcomeLine() throws {
        let harness = try Harness()
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        harness.submit(shell("echo fine"), id: "ok.1", rule: "ok.", scheduledAt: now)
        harness.submit(shell("echo to-stdout; echo to-stderr >&2; exit 2"), id: "bad.1", rule: "bad.", scheduledAt: now)
        #expect(harness.awaitOutcomes(2).count == 2)
        let outcomes = harness.log.all.filter { $0.contains("runner: job ") && $0.contains(" (process) ") }
        try #require(outcomes.count == 2)
        let ok = try #require(outcomes.first { $0.contains("ok.1") })
        let bad = try #require(outcomes.first { $0.contains("bad.1") })
        let shape = try Regex(#"^\[INFO\] runner: job ok\.1 \(process\) executed: exit status 0 \(rule ok\., ran \d+\.\d ms, \d+\.\d ms late\)$"#)
        #expect(ok.firstMatch(of: shape) != nil, "\(ok)")
        #expect(bad.hasPrefix("[WARN] runner: job bad.1 (process) failed: exit status 2 (rule bad., ran "))
        #expect(bad.hasSuffix(" late); output: to-stdout\nto-stderr"))
    }

    @Test func missingExecutableFails() throws {
        let harness = try Harness()
        #expect(harness.run(direct("kairos-no-such-program-\(UInt32.random(in: 0...UInt32.max))")) == false)
        #expect(harness.run(direct("/nonexistent/dir/tool")) == false)
        #expect(harness.log.all.contains { $0.hasPrefix("[WARN] runner: job job (process) failed: cannot start /nonexistent/dir/tool: ") })
        #expect(harness.stats.executionsInflight.load(ordering: .relaxed) == 0)
    }

    @Test func argumentWithNulFailsWithoutStarting() throws {
        let harness = try Harness()
        #expect(harness.run(.direct(executable: bytes("true"), args: [[0x61, 0x00]])) == false)
        #expect(harness.log.all.count == 1)
        #expect(harness.log.all.first?.hasPrefix("[WARN] runner: job job (process) failed: not started: an argument contains a NUL byte (rule rule, ") == true)
    }

    /// amqp only: since the http runner (wt-f) and the redis runner exist, it is the one kind
    /// this build still lacks.
    @Test func networkRunnersFailWithAWarning() throws {
        let harness = try Harness()
        harness.submit(.amqp(dsn: bytes("amqp://u:p@127.0.0.1"), exchange: bytes("x"), routingKey: bytes("k")), id: "a.1")
        let outcomes = harness.awaitOutcomes(1)
        #expect(outcomes == [ExecutionOutcome(jobID: bytes("a.1"), generation: 1, success: false)])
        #expect(harness.log.all.map { $0.prefix { $0 != "(" } + ($0.contains(" (rule rule, ") ? "" : " no rule") } == [
            "[WARN] runner amqp is not available in this build no rule",
            "[WARN] runner: job a.1 ",
        ])
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
        #expect(harness.log.all.contains { $0.hasPrefix("[WARN] runner: job job (process) failed: exit status 4 (rule rule, ") && $0.hasSuffix("; output: workflow deploy broke") })
    }

    @Test func outputBeyondFourKiBIsDrainedAndOnlyItsTailKept() throws {
        let harness = try Harness()
        // 200 KiB is far more than a pipe holds: the child only exits if the pool keeps reading.
        #expect(harness.run(shell("head -c 204800 /dev/zero | tr '\\0' e; echo; echo last words >&2; exit 1")) == false)
        let line = try #require(harness.log.all.first { $0.contains(" failed: exit status 1 ") })
        let tail = String(repeating: "e", count: 4096 - "\nlast words\n".utf8.count) + "\nlast words"
        #expect(line.hasSuffix("; output: [\(204800 + 12 - 4096) earlier bytes dropped] " + tail))
        #expect(harness.run(shell("head -c 204800 /dev/zero")) == true)
    }
}
