import Testing
@testable import KairosRunners

@Suite struct PartsTests {
    @Test func fifoQueueKeepsOrderAcrossCompaction() {
        var queue = FIFOQueue<Int>()
        var expected = 0
        for value in 0..<500 {
            queue.append(value)
            if value % 3 == 0 {
                #expect(queue.popFirst() == expected)
                expected += 1
            }
        }
        #expect(queue.count == 500 - expected)
        while let value = queue.popFirst() {
            #expect(value == expected)
            expected += 1
        }
        #expect(expected == 500)
        #expect(queue.isEmpty && queue.first == nil && queue.popFirst() == nil)
    }

    @Test func childExitSucceedsOnlyOnStatusZero() {
        #expect(ChildExit(waitStatus: 0) == .exited(status: 0))
        #expect(ChildExit(waitStatus: 0).isSuccess)
        #expect(ChildExit(waitStatus: 3 << 8) == .exited(status: 3))
        #expect(!ChildExit(waitStatus: 3 << 8).isSuccess)
        #expect(ChildExit(waitStatus: 9) == .signaled(signal: 9))
        #expect(!ChildExit(waitStatus: 9).isSuccess)
        #expect(ChildExit(waitStatus: 9).description == "killed by signal 9")
    }

    @Test func pollTokensRoundTrip() {
        // Generations wrap at 31 bits: the top bit of a token marks network clients.
        let child = ChildToken(slot: 0x7fff_fffe, generation: 0x7fff_ffff)
        for target in [PollTarget.doorbell, .exit(child), .output(child), .exit(ChildToken(slot: 0, generation: 1))] {
            #expect(PollTarget(token: target.token) == target)
        }
        #expect(PollTarget.exit(child).token != PollTarget.doorbell.token)
    }

    @Test func childTableRejectsStaleTokens() {
        var table = ChildTable()
        let child = RunningChild(
            jobID: bytes("a"), generation: 1, ruleID: bytes("r"), pid: 1, pidfd: .init(rawValue: -1), startedAt: 0, latenessNs: 0,
            output: nil)
        let first = table.insert(child)
        #expect(table.remove(first)?.jobID == bytes("a"))
        let second = table.insert(child)
        #expect(second.slot == first.slot && second.generation != first.generation)
        #expect(table[first] == nil)
        #expect(table.remove(first) == nil)
        #expect(table.count == 1 && table.tokens == [second])
    }

    @Test func outputCaptureKeepsTheLastFourKiBAndCountsTheRest() {
        var capture = OutputCapture()
        for index in 0..<10 {
            // 1,000 bytes of one letter per chunk: a, b, c, ... j.
            [UInt8](repeating: 0x61 + UInt8(index), count: 1000).withUnsafeBytes { capture.append($0) }
        }
        #expect(Array(capture.tail) == [UInt8](repeating: 0x66, count: 96) + (0x67...0x6a).flatMap { [UInt8](repeating: $0, count: 1000) })
        #expect(capture.droppedBeforeTail == 10_000 - 4096)
        #expect(capture.text.hasPrefix("[5904 earlier bytes dropped] ffff"))
        #expect(capture.text.hasSuffix("jjjj"))

        var short = OutputCapture()
        Array("boom\n\n".utf8).withUnsafeBytes { short.append($0) }
        #expect(short.text == "boom")
    }

    @Test func runReportLineCarriesEverythingAnOperatorAsksFirst() {
        var report = RunReport(
            jobID: bytes("backup.db"), kind: "process", success: false, detail: "exit status 3", ruleID: bytes("backup"),
            durationNs: 12_345_678, latenessNs: 449_999)
        report.output = "disk full"
        #expect(report.line == "runner: job backup.db (process) failed: exit status 3 (rule backup, ran 12.3 ms, 0.4 ms late); output: disk full")
        let never = RunReport(
            jobID: bytes("h.1"), kind: "http", success: true, detail: "HTTP 204", ruleID: bytes("h"), durationNs: nil,
            latenessNs: -5)
        #expect(never.line == "runner: job h.1 (http) executed: HTTP 204 (rule h, 0.0 ms late)")
    }

    static let hour: Int64 = 3_600_000_000_000
    static let durations: [(Int64, String)] = [
        (0, "0.0 ms"), (49_999, "0.0 ms"), (50_000, "0.1 ms"), (9_999_949_999, "9999.9 ms"),
        (9_999_950_000, "10000.0 ms"), (10_000_000_000, "10.0 s"), (599_949_999_999, "599.9 s"),
        (600_000_000_000, "0 h 10 min"), (3 * hour + 5 * 60_000_000_000 + 59_000_000_000, "3 h 05 min"),
        (48 * hour - 1, "47 h 59 min"), (48 * hour, "2 d 00 h"),
        (218_819_909_125_800_000, "2532 d 15 h"), (Int64.max, "106751 d 23 h"), (-1, "0.0 ms"),
    ]

    @Test(arguments: durations)
    func durationsReadInAUnitThatFits(ns: Int64, text: String) {
        #expect(RunReport.duration(ns) == text)
    }

    @Test func runEnvironmentAddsTheJobAndOverridesInheritedValues() {
        let environment = RunEnvironment(inherited: ["PATH=/bin", "KAIROS_JOB_ID=stale", "KAIROS_JOB_IDX=kept"].map(bytes))
        #expect(environment.entries(jobID: bytes("a.1"), ruleID: bytes("a"), scheduledAt: -7) == [
            "PATH=/bin", "KAIROS_JOB_IDX=kept", "KAIROS_JOB_ID=a.1", "KAIROS_RULE_ID=a", "KAIROS_EXECUTION_NS=-7",
        ].map(bytes))
        // An id with a NUL byte cannot be an environment value: that variable is left out.
        #expect(environment.entries(jobID: [0x61, 0, 0x62], ruleID: bytes("a"), scheduledAt: 1).count == 4)
    }

    @Test func lifecycleWaitsForGraceThenKillsThenAbandons() {
        var lifecycle = RunnerLifecycle()
        #expect(lifecycle.acceptsWork && lifecycle.deadline == nil)
        #expect(lifecycle.advance(now: 0, running: 3) == .none)

        lifecycle.stopRequested(now: 1_000, graceMs: 5)
        #expect(!lifecycle.acceptsWork && lifecycle.deadline == 5_001_000)
        #expect(lifecycle.advance(now: 5_000_999, running: 2) == .none)
        #expect(lifecycle.advance(now: 5_001_000, running: 2) == .killAll)
        #expect(lifecycle.deadline == 5_001_000 + RunnerLifecycle.settleNs)
        #expect(lifecycle.advance(now: 5_001_001, running: 1) == .none)
        #expect(lifecycle.advance(now: 5_001_000 + RunnerLifecycle.settleNs, running: 1) == .abandonAll)
        #expect(lifecycle.isFinished && lifecycle.deadline == nil)
    }

    @Test func lifecycleFinishesAsSoonAsNothingRuns() {
        var lifecycle = RunnerLifecycle()
        lifecycle.stopRequested(now: 0, graceMs: 60_000)
        lifecycle.stopRequested(now: 50, graceMs: 0)  // only the first request counts
        #expect(lifecycle.deadline == 60_000_000_000)
        #expect(lifecycle.advance(now: 10, running: 1) == .none)
        #expect(!lifecycle.isFinished)
        #expect(lifecycle.advance(now: 20, running: 0) == .none)
        #expect(lifecycle.isFinished)
    }
}
