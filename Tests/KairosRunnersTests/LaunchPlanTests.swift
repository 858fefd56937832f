import KairosProtocol
import Testing
@testable import KairosRunners

@Suite struct LaunchPlanTests {
    @Test func shellPutsTheCommandAfterTheConfiguredShell() {
        let plan = LaunchPlan.make(for: shell("echo hi; exit 3"), config: RunnerConfig())
        #expect(plan == .process(argv: [bytes("/bin/sh"), bytes("-c"), bytes("echo hi; exit 3")]))

        let custom = RunnerConfig(shellPath: "bash", shellArgs: ["--noprofile", "-ec"])
        #expect(
            LaunchPlan.make(for: shell("true"), config: custom)
                == .process(argv: [bytes("bash"), bytes("--noprofile"), bytes("-ec"), bytes("true")]))
    }

    @Test func directPassesArgumentsVerbatim() {
        let raw: Bytes = [0x24, 0xff, 0x3b, 0x20]  // "$", a non-UTF-8 byte, ";", " "
        let plan = LaunchPlan.make(for: .direct(executable: bytes("tool"), args: [raw, []]), config: RunnerConfig())
        #expect(plan == .process(argv: [bytes("tool"), raw, []]))
    }

    @Test func awfRunsTheWorkflowWithOneInputFlagPerInput() {
        let plan = LaunchPlan.make(for: .awf(workflow: bytes("deploy"), inputs: [bytes("env=prod"), bytes("v=2")]), config: RunnerConfig())
        let expected: [Bytes] = ["awf", "run", "deploy", "--input", "env=prod", "--input", "v=2"].map(bytes)
        #expect(plan == .process(argv: expected))
        #expect(
            LaunchPlan.make(for: .awf(workflow: bytes("w"), inputs: []), config: RunnerConfig())
                == .process(argv: ["awf", "run", "w"].map(bytes)))
    }

    @Test func networkRunnersAreUnavailable() {
        let config = RunnerConfig()
        #expect(LaunchPlan.make(for: .http(method: bytes("POST"), url: bytes("http://x")), config: config) == .network(.http))
        #expect(LaunchPlan.make(for: .amqp(dsn: bytes("amqp://u@h"), exchange: [], routingKey: []), config: config) == .network(.amqp))
        #expect(LaunchPlan.make(for: .redis(url: bytes("redis://h"), command: bytes("SET"), key: bytes("k")), config: config) == .network(.redis))
    }

    @Test func aNulByteAnywhereInArgvCannotStart() {
        let config = RunnerConfig()
        #expect(LaunchPlan.make(for: .shell(command: [0x61, 0x00, 0x62]), config: config) == .invalidArgument)
        #expect(LaunchPlan.make(for: .direct(executable: [0x00], args: []), config: config) == .invalidArgument)
        #expect(LaunchPlan.make(for: .direct(executable: bytes("x"), args: [bytes("ok"), [0x00]]), config: config) == .invalidArgument)
        #expect(LaunchPlan.make(for: .awf(workflow: bytes("w"), inputs: [[0x6b, 0x00]]), config: config) == .invalidArgument)
    }

    @Test func argumentVectorHoldsNulTerminatedCopies() {
        let argv = ArgumentVector([bytes("a b"), [], [0xff, 0x01]])
        #expect(String(cString: argv.pointers[0]!) == "a b")
        #expect(argv.pointers[1]![0] == 0)
        #expect(UInt8(bitPattern: argv.pointers[2]![0]) == 0xff)
        #expect(argv.pointers[2]![1] == 1)
        #expect(argv.pointers[2]![2] == 0)
        #expect(argv.pointers[3] == nil)
        #expect(String(cString: argv.file) == "a b")
    }
}
