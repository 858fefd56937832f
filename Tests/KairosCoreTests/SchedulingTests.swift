@testable import KairosCore
import KairosProtocol
import Testing

@Suite struct SchedulingTests {
    private let shell = RunnerSpec.shell(command: b("true"))

    @Test func dueOrderAscendingWithFifoTies() {
        let h = Harness()
        h.core.restore(.rule(id: b("all"), pattern: [], runner: shell))
        for (job, time) in [("c", 30), ("a", 10), ("t2", 20), ("t1", 20), ("t3", 20), ("late", 100)] {
            h.send(job, .set(job: b(job), execution: Int64(time)))
        }
        // Re-SET moves t2 behind t1 and t3 among the jobs due at 20.
        h.send("again", .set(job: b("t2"), execution: 20))
        h.collect()
        #expect(h.core.nextDueTime() == 10)
        #expect(h.tick(at: 9).isEmpty)
        let fired = h.tick(at: 30).map { String(decoding: $0.jobID, as: UTF8.self) }
        #expect(fired == ["a", "t1", "t3", "t2", "c"])
        #expect(h.core.nextDueTime() == 100)
        #expect(h.tick(at: 100).map(\.scheduledAt) == [100])
        #expect(h.core.nextDueTime() == nil)
    }

    @Test func executionCarriesGenerationRunnerAndTime() {
        let h = Harness()
        h.core.restore(.rule(id: b("r"), pattern: b("a"), runner: shell))
        h.send("1", .set(job: b("ab"), execution: 7))
        h.send("2", .set(job: b("ab"), execution: 8))
        h.collect()
        let fired = h.tick(at: 8)
        #expect(fired == [Execution(jobID: b("ab"), generation: 2, runner: shell, scheduledAt: 8, ruleID: b("r"))])
        #expect(h.status("ab") == "s OK triggered 8\n")
    }

    @Test func removedAndReSetJobsDoNotFireTwice() {
        let h = Harness()
        h.core.restore(.rule(id: b("r"), pattern: [], runner: shell))
        h.send("1", .set(job: b("gone"), execution: 5))
        h.send("2", .remove(job: b("gone")))
        h.send("3", .set(job: b("moved"), execution: 5))
        h.send("4", .set(job: b("moved"), execution: 50))
        h.collect()
        #expect(h.core.nextDueTime() == 50)
        #expect(h.tick(at: 49).isEmpty)
        #expect(h.tick(at: 50).count == 1)
        #expect(h.tick(at: 1_000).isEmpty)
    }

    @Test func longestPrefixWins() {
        let h = Harness()
        h.core.restore(.rule(id: b("short"), pattern: b("a."), runner: .shell(command: b("short"))))
        h.core.restore(.rule(id: b("long"), pattern: b("a.b."), runner: .shell(command: b("long"))))
        h.core.restore(.rule(id: b("other"), pattern: b("a.c"), runner: .shell(command: b("other"))))
        h.send("1", .set(job: b("a.b.c"), execution: 0))
        h.send("2", .set(job: b("a.x"), execution: 0))
        h.send("3", .set(job: b("a.b."), execution: 0))
        h.collect()
        #expect(h.tick().map(\.runner) == [
            .shell(command: b("long")), .shell(command: b("short")), .shell(command: b("long")),
        ])
    }

    @Test func equalLengthTiesGoToSmallestRuleID() {
        let h = Harness()
        h.core.restore(.rule(id: b("zeta"), pattern: b("job"), runner: .shell(command: b("z"))))
        h.core.restore(.rule(id: b("alpha"), pattern: b("job"), runner: .shell(command: b("a"))))
        h.core.restore(.rule(id: b("mid"), pattern: b("job"), runner: .shell(command: b("m"))))
        h.send("1", .set(job: b("job1"), execution: 0))
        h.collect()
        #expect(h.tick().map(\.runner) == [.shell(command: b("a"))])
        // Removing the winner hands the tie to the next smallest id.
        h.send("2", .removeRule(rule: b("alpha")))
        h.send("3", .set(job: b("job2"), execution: 0))
        h.collect()
        #expect(h.tick().map(\.runner) == [.shell(command: b("m"))])
        // Moving a rule to another pattern takes it out of the old group.
        h.send("4", .ruleSet(rule: b("mid"), pattern: b("x"), runner: .shell(command: b("m"))))
        h.send("5", .set(job: b("job3"), execution: 0))
        h.collect()
        #expect(h.tick().map(\.runner) == [.shell(command: b("z"))])
    }

    @Test func emptyPatternMatchesEverythingWithLowestPriority() {
        let h = Harness()
        h.core.restore(.rule(id: b("catchall"), pattern: [], runner: .shell(command: b("any"))))
        h.core.restore(.rule(id: b("b"), pattern: b("b"), runner: .shell(command: b("b"))))
        h.send("1", .set(job: b("bee"), execution: 0))
        h.send("2", .set(job: b("cat"), execution: 0))
        h.send("3", .set(job: [], execution: 0))
        h.collect()
        #expect(h.tick().map(\.runner) == [.shell(command: b("b")), .shell(command: b("any")), .shell(command: b("any"))])
    }

    @Test func noRuleFailsAndJournalsStatusThree() {
        let h = Harness()
        h.core.restore(.rule(id: b("r"), pattern: b("x."), runner: shell))
        h.send("1", .set(job: b("a"), execution: 5))
        h.collect()
        let before = h.journal.lastSequence
        #expect(h.tick(at: 5).isEmpty)
        #expect(h.status("a") == "s OK failed 5\n")
        #expect(h.journal.entries(after: before) == [.job(id: b("a"), execution: 5, status: .failed)])
        #expect(h.journal.submits >= 2)
    }

    @Test func outcomesApplyOnlyToTheirGeneration() {
        let h = Harness()
        h.core.restore(.rule(id: b("r"), pattern: [], runner: shell))
        h.send("1", .set(job: b("j"), execution: 1))
        h.collect()
        let first = h.tick(at: 1)
        #expect(first.count == 1)
        // D-reset-while-running: a re-SET while the first run is in flight; the old outcome must not touch it.
        h.send("2", .set(job: b("j"), execution: 500))
        h.collect()
        let before = h.journal.lastSequence
        h.core.applyOutcome(ExecutionOutcome(jobID: b("j"), generation: first[0].generation, success: true))
        #expect(h.status("j") == "s OK planned 500\n")
        #expect(h.journal.entries(after: before).isEmpty)
        let second = h.tick(at: 500)
        #expect(second.count == 1 && second[0].generation != first[0].generation)
        h.core.applyOutcome(ExecutionOutcome(jobID: b("j"), generation: second[0].generation, success: false))
        #expect(h.status("j") == "s OK failed 500\n")
        #expect(h.journal.entries(after: before) == [.job(id: b("j"), execution: 500, status: .failed)])
        // A duplicate or late outcome for a finished job changes nothing.
        h.core.applyOutcome(ExecutionOutcome(jobID: b("j"), generation: second[0].generation, success: true))
        #expect(h.status("j") == "s OK failed 500\n")
        // An outcome for a removed job is dropped.
        h.send("3", .set(job: b("k"), execution: 0))
        h.collect()
        let k = h.tick(at: 600)
        h.send("4", .remove(job: b("k")))
        h.collect()
        h.core.applyOutcome(ExecutionOutcome(jobID: b("k"), generation: k[0].generation, success: true))
        #expect(h.status("k") == "s ERROR\n")
    }

    @Test func successfulOutcomeJournalsExecuted() {
        let h = Harness()
        h.core.restore(.rule(id: b("r"), pattern: [], runner: shell))
        h.send("1", .set(job: b("j"), execution: 3))
        h.collect()
        let run = h.tick(at: 4)
        let before = h.journal.lastSequence
        h.core.applyOutcome(ExecutionOutcome(jobID: b("j"), generation: run[0].generation, success: true))
        #expect(h.journal.entries(after: before) == [.job(id: b("j"), execution: 3, status: .executed)])
        #expect(h.status("j") == "s OK executed 3\n")
        #expect(h.core.lateness.count == 1 && h.core.lateness.max == 1)
    }

    @Test func extremeTimesDoNotOverflow() {
        let h = Harness()
        h.send("1", .set(job: b("min"), execution: .min))
        h.send("2", .set(job: b("max"), execution: .max))
        h.collect()
        #expect(h.core.nextDueTime() == .min)
        h.tick(at: .max)
        #expect(h.status("min") == "s OK failed -9223372036854775808\n")
        #expect(h.status("max") == "s OK failed 9223372036854775807\n")
        #expect(h.core.lateness.max == .max)
    }

    @Test func restoreEachEntryKind() {
        let h = Harness()
        h.core.restore(.job(id: b("p"), execution: 10, status: .planned))
        h.core.restore(.job(id: b("t"), execution: 11, status: .triggered))
        h.core.restore(.job(id: b("e"), execution: 12, status: .executed))
        h.core.restore(.job(id: b("f"), execution: 13, status: .failed))
        h.core.restore(.job(id: b("gone"), execution: 14, status: .planned))
        h.core.restore(.jobRemoval(id: b("gone")))
        h.core.restore(.jobRemoval(id: b("never")))
        h.core.restore(.job(id: b("e"), execution: 15, status: .executed))
        h.core.restore(.rule(id: b("r1"), pattern: b("p"), runner: shell))
        h.core.restore(.rule(id: b("r2"), pattern: b("q"), runner: shell))
        h.core.restore(.ruleRemoval(id: b("r2")))
        h.core.restore(.ruleRemoval(id: b("never")))
        #expect(h.journal.entries.isEmpty)
        #expect(h.ask("q", .query(prefix: [])) == "q e executed 15\nq f failed 13\nq p planned 10\nq t planned 11\nq OK\n")
        #expect(h.ask("l", .listRules) == "l r1 p shell true\nl OK\n")
        // Only planned jobs are due; a stored "triggered" runs again (at-least-once, D-outcomes-persist).
        let fired = h.tick(at: 100).map { String(decoding: $0.jobID, as: UTF8.self) }
        #expect(fired == ["p"])
        #expect(h.status("t") == "s OK failed 11\n")
        #expect(h.core.violations().isEmpty)
    }

    @Test func latenessHistogramPercentiles() {
        var histogram = LatenessHistogram()
        #expect(histogram.p50 == 0 && histogram.count == 0)
        for value in 1...100 { histogram.record(Int64(value)) }
        histogram.record(-4)
        #expect(histogram.count == 101)
        #expect(histogram.max == 100)
        #expect(histogram.p50 == 51)   // the 51st sample (50) lies in [50, 52): buckets of 2 from 32 to 64
        #expect(histogram.p99 == 99)   // the 100th sample (99) lies in [96, 100)
        #expect(histogram.percentile(0) == 0)
        #expect(LatenessHistogram.bucket(of: 0) == 0 && LatenessHistogram.bucket(of: 15) == 15)
        #expect(LatenessHistogram.upperBound(of: LatenessHistogram.bucket(of: .max)) == .max)
        // Every bucket's range holds its values, and bounds stay within 1/16 of the value.
        for value: Int64 in [16, 17, 31, 32, 33, 1_000, 999_999, 1_953_125, 1 << 40, (1 << 40) + 12345] {
            let upper = LatenessHistogram.upperBound(of: LatenessHistogram.bucket(of: value))
            #expect(upper >= value && upper - value <= value / 16)
        }
    }
}
