@testable import KairosCore
import KairosProtocol
import Testing

/// Recurring jobs in the core (issue 15): re-plan after each run, retries, one-shot again,
/// removal, INFO, journaling, rollback and replay.
@Suite struct RecurringTests {
    private let shell = RunnerSpec.shell(command: b("true"))
    private static let s: Int64 = 1_000_000_000

    private func every(_ job: String, at time: Int64, _ interval: Int64, retries: UInt16 = 0, backoff: Int64 = 10 * s) -> Command {
        .setRecurring(job: b(job), execution: time, recurrence: Recurrence(interval: interval, anchor: time, retries: retries, backoff: backoff))
    }

    private func finish(_ h: Harness, _ run: Execution, success: Bool, at now: Int64) {
        h.core.applyOutcome(ExecutionOutcome(jobID: run.jobID, generation: run.generation, success: success), now: now)
    }

    @Test func runsThenIsPlannedStrictlyAfterItsDueTime() {
        let h = Harness()
        h.core.restore(.rule(id: b("r"), pattern: [], runner: shell))
        #expect(h.ask("1", every("j", at: 100, 10)) == "1 OK\n")
        #expect(h.journal.entries(after: 0) == [
            .job(id: b("j"), execution: 100, status: .planned),
            .schedule(id: b("j"), recurrence: Recurrence(interval: 10, anchor: 100), counters: RunCounters()),
        ])
        var times: [Int64] = []
        var now: Int64 = 100
        for _ in 0..<3 {
            let fired = h.tick(at: now)
            #expect(fired.count == 1)
            times.append(fired[0].scheduledAt)
            #expect(h.status("j") == "s OK triggered \(fired[0].scheduledAt)\n")
            finish(h, fired[0], success: true, at: now + 1)
            now = h.core.nextDueTime() ?? 0
        }
        #expect(times == [100, 110, 120])
        #expect(h.status("j") == "s OK planned 130\n")
        #expect(h.ask("i", .info(job: b("j"))) == "i OK planned 130 every=0s retry=0/10s last=executed@120 runs=3 failures=0\n")
        // Each run journals the job entry (next time) and then the schedule with its counters.
        #expect(h.journal.entries(after: 6).suffix(2) == [
            .job(id: b("j"), execution: 130, status: .planned),
            .schedule(id: b("j"), recurrence: Recurrence(interval: 10, anchor: 100),
                      counters: RunCounters(runs: 3, lastOutcome: .executed, lastAt: 120)),
        ])
        #expect(h.core.violations() == [])
        #expect(h.stats.jobsPlanned.load(ordering: .relaxed) == 1)
    }

    @Test func missedOccurrencesCollapseIntoOneRun() {
        let h = Harness()
        h.core.restore(.rule(id: b("r"), pattern: [], runner: shell))
        h.ask("1", every("j", at: 100, 10))
        // Down (or busy) from 100 to 1005: one run, then the first occurrence after now.
        let fired = h.tick(at: 1_005)
        #expect(fired.map(\.scheduledAt) == [100])
        finish(h, fired[0], success: true, at: 1_005)
        #expect(h.core.nextDueTime() == 1_010)
        #expect(h.tick(at: 1_009).isEmpty)
    }

    @Test func noRuleIsAFailedRunAndTheScheduleGoesOn() {
        let h = Harness()
        h.ask("1", every("j", at: 100, 10))
        #expect(h.tick(at: 100).isEmpty)
        #expect(h.status("j") == "s OK planned 110\n")
        #expect(h.ask("i", .info(job: b("j"))) == "i OK planned 110 every=0s retry=0/10s last=failed@100 runs=1 failures=1\n")
    }

    @Test func retriesBackOffThenFallBackToTheSchedule() {
        let s = Self.s
        let h = Harness()
        h.core.restore(.rule(id: b("r"), pattern: [], runner: shell))
        h.ask("1", every("j", at: 0, 60 * s, retries: 2, backoff: 10 * s))
        var run = h.tick(at: 0)[0]
        finish(h, run, success: false, at: 1 * s)
        #expect(h.core.nextDueTime() == 11 * s)  // retry 1: 10 s after the failure
        run = h.tick(at: 11 * s)[0]
        finish(h, run, success: false, at: 12 * s)
        #expect(h.core.nextDueTime() == 32 * s)  // retry 2: 20 s
        run = h.tick(at: 32 * s)[0]
        finish(h, run, success: false, at: 33 * s)
        #expect(h.core.nextDueTime() == 60 * s)  // retries exhausted: the schedule
        #expect(h.ask("i", .info(job: b("j"))) == "i OK planned \(60 * s) every=1m retry=2/10s last=failed@\(32 * s) runs=3 failures=3\n")
        run = h.tick(at: 60 * s)[0]
        finish(h, run, success: false, at: 61 * s)
        #expect(h.core.nextDueTime() == 71 * s)  // a new failure streak retries again
        run = h.tick(at: 71 * s)[0]
        finish(h, run, success: true, at: 72 * s)
        #expect(h.core.nextDueTime() == 120 * s)
    }

    @Test func plainSetMakesItOneShotAndRemoveDropsTheSchedule() {
        let h = Harness()
        h.core.restore(.rule(id: b("r"), pattern: [], runner: shell))
        h.ask("1", every("j", at: 100, 10))
        #expect(h.ask("2", .set(job: b("j"), execution: 200)) == "2 OK\n")
        #expect(h.ask("i", .info(job: b("j"))) == "i OK planned 200 once retry=0/0s last=none@0 runs=0 failures=0\n")
        let fired = h.tick(at: 200)
        finish(h, fired[0], success: true, at: 201)
        #expect(h.status("j") == "s OK executed 200\n")
        #expect(h.ask("i2", .info(job: b("j"))) == "i2 OK executed 200 once retry=0/0s last=executed@200 runs=1 failures=0\n")
        h.ask("3", every("k", at: 100, 10))
        #expect(h.ask("4", .remove(job: b("k"))) == "4 OK\n")
        h.ask("5", .set(job: b("k"), execution: 300))
        #expect(h.ask("i3", .info(job: b("k"))).contains(" once "))
        #expect(h.ask("i4", .info(job: b("nope"))) == "i4 ERROR\n")
        #expect(h.core.recurring.isEmpty)
    }

    @Test func aFailedJournalUndoesTheRecurringSetWithItsSchedule() {
        let h = Harness(durable: false)
        h.ask("1", every("j", at: 100, 10))
        h.journal.makeAllDurable()
        h.collect()
        let before = h.journal.lastSequence
        h.send("2", .set(job: b("j"), execution: 500))
        h.send("3", every("j", at: 700, 20))
        h.journal.fail(through: h.journal.lastSequence)
        #expect(h.collect() == "2 ERROR\n3 ERROR\n")
        #expect(h.core.schedule(of: b("j"))?.recurrence == Recurrence(interval: 10, anchor: 100))
        #expect(h.journal.lastSequence >= before)
        #expect(h.core.dump().jobs == ["j planned 100 g1"])
    }

    @Test func replayRestoresSchedulesAndJobEntriesEndThem() {
        let h = Harness()
        let r = Recurrence(interval: 10, anchor: 100)
        h.core.restore(.job(id: b("a"), execution: 130, status: .planned))
        h.core.restore(.schedule(id: b("a"), recurrence: r, counters: RunCounters(runs: 3)))
        h.core.restore(.job(id: b("b"), execution: 100, status: .planned))
        h.core.restore(.schedule(id: b("b"), recurrence: r, counters: RunCounters()))
        h.core.restore(.job(id: b("b"), execution: 400, status: .planned))
        h.core.restore(.schedule(id: b("ghost"), recurrence: r, counters: RunCounters()))
        #expect(h.core.schedule(of: b("a")) != nil && h.core.recurring.count == 1)
        #expect(h.ask("i", .info(job: b("a"))) == "i OK planned 130 every=0s retry=0/10s last=none@0 runs=3 failures=0\n")
    }

    @Test func cronJobsStartAtTheNextOccurrenceAfterNowAndRetryNoLaterThanTheNextRegularRun() throws {
        let s = Self.s
        let h = Harness()
        h.core.restore(.rule(id: b("r"), pattern: [], runner: shell))
        let rule = try #require(CronRule(expression: "*/10 * * * *", zone: "UTC"))
        h.now = 125 * s  // 00:02:05
        #expect(h.ask("1", .setRecurring(job: b("c"), execution: 0, recurrence: Recurrence(cron: rule, retries: 3, backoff: 400 * s))) == "1 OK\n")
        #expect(h.status("c") == "s OK planned \(600 * s)\n")
        let run = h.tick(at: 600 * s)[0]
        finish(h, run, success: false, at: 601 * s)
        // First retry: 400 s after the failure, before the next regular run at 1200 s.
        #expect(h.core.nextDueTime() == 1_001 * s)
        let retry = h.tick(at: 1_001 * s)[0]
        finish(h, retry, success: false, at: 1_002 * s)
        // Second retry 800 s later would be 1802 s: capped at the regular 1200 s.
        #expect(h.core.nextDueTime() == 1_200 * s)
        #expect(h.ask("i", .info(job: b("c"))) == "i OK planned \(1_200 * s) cron=\"*/10 * * * *\"@UTC retry=3/6m40s last=failed@\(1_001 * s) runs=2 failures=2\n")
    }
}
