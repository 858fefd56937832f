@testable import KairosCore
import KairosProtocol
import Testing

@Suite struct WriteAheadTests {
    private let shell = RunnerSpec.shell(command: b("true"))

    @Test func responsesWithheldUntilDurableAndReleasedInOrder() {
        let h = Harness(durable: false)
        let other = ClientTag(slot: 2, generation: 1)
        h.send("s0", .stat, client: other)
        h.send("m1", .set(job: b("a"), execution: 5))
        h.send("g1", .get(job: b("a")), client: other)
        h.send("m2", .ruleSet(rule: b("r"), pattern: b("a"), runner: shell))
        h.send("m3", .remove(job: b("zz")))
        #expect(h.journal.submits == 0)
        // The read before any entry is free to go; everything else waits for entry 1.
        let first = h.collectEnvelopes()
        #expect(h.journal.submits == 1)
        #expect(first.count == 1 && first[0].client == other)
        h.journal.makeDurable(through: 1)
        #expect(h.collect() == "m1 OK\ng1 OK planned 5\n")
        h.journal.makeDurable(through: 2)
        #expect(h.collect() == "m2 OK\nm3 ERROR\n")
        // Nothing new appended: no extra submit.
        #expect(h.journal.submits == 1)
    }

    /// The core loop does not spin for new requests while answers wait for the journal.
    @Test func withheldAnswersAreReportedUntilReleased() {
        let h = Harness(durable: false)
        #expect(!h.core.hasWithheldAnswers)
        h.send("m1", .set(job: b("a"), execution: 5))
        #expect(h.collect() == "")
        #expect(h.core.hasWithheldAnswers)
        h.journal.makeDurable(through: 1)
        #expect(h.collect() == "m1 OK\n")
        #expect(!h.core.hasWithheldAnswers)
    }

    @Test func failureRollsBackExactlyAndAnswersError() {
        let h = Harness(durable: false)
        h.send("a", .set(job: b("keep"), execution: 10))
        h.send("b", .ruleSet(rule: b("r1"), pattern: b("k"), runner: shell))
        h.send("c", .set(job: b("t"), execution: 1))
        h.send("d", .ruleSet(rule: b("all"), pattern: [], runner: shell))
        h.collect()
        h.journal.makeAllDurable()
        h.collect()
        let triggered = h.tick(at: 1)
        #expect(triggered.count == 1)
        let before = h.core.dump()
        let durable = h.journal.lastSequence

        h.send("m1", .set(job: b("keep"), execution: 99))
        h.send("m2", .set(job: b("new"), execution: 7))
        h.send("r1", .get(job: b("new")))
        h.send("m3", .remove(job: b("t")))
        h.send("m4", .ruleSet(rule: b("r1"), pattern: b("other"), runner: .shell(command: b("x"))))
        h.send("m5", .ruleSet(rule: b("r2"), pattern: b("n"), runner: shell))
        h.send("m6", .removeRule(rule: b("all")))
        h.send("m7", .set(job: b("new"), execution: 8))
        h.send("m8", .remove(job: b("keep")))
        #expect(h.core.dump() != before)
        #expect(h.collect() == "")
        h.journal.fail(through: durable + 3)
        #expect(h.collect() == """
            m1 ERROR
            m2 ERROR
            r1 OK planned 7
            m3 ERROR
            m4 ERROR
            m5 ERROR
            m6 ERROR
            m7 ERROR
            m8 ERROR

            """)
        #expect(h.core.dump() == before)
        #expect(h.core.violations().isEmpty)
        #expect(h.journal.discards == [durable + 8])
        // The restored planned job is still scheduled, and its old outcome still applies.
        #expect(h.core.nextDueTime() == 10)
        h.core.applyOutcome(ExecutionOutcome(jobID: b("t"), generation: triggered[0].generation, success: true))
        #expect(h.peek("t") == "executed 1")
        // Later writes work normally.
        h.send("n", .set(job: b("later"), execution: 50))
        h.journal.makeAllDurable()
        #expect(h.collect() == "n OK\n")
    }

    @Test func partialDurabilityKeepsTheDurablePrefix() {
        let h = Harness(durable: false)
        h.send("1", .set(job: b("a"), execution: 1))
        h.send("2", .set(job: b("b"), execution: 2))
        h.send("3", .set(job: b("c"), execution: 3))
        h.collect()
        h.journal.makeDurable(through: 1)
        h.journal.fail(through: 2)
        #expect(h.collect() == "1 OK\n2 ERROR\n3 ERROR\n")
        #expect(h.core.dump().jobs == ["a planned 1 g1"])
    }

    @Test func speculativeJobsAreParkedUntilDurable() {
        let h = Harness(durable: false)
        h.core.restore(.rule(id: b("r"), pattern: [], runner: shell))
        h.core.restore(.job(id: b("old"), execution: 1, status: .planned))
        h.send("1", .set(job: b("new"), execution: 2))
        h.collect()
        #expect(h.tick(at: 5).map(\.jobID) == [b("old")])
        // The parked job is not reported as due while its SET may still fail.
        #expect(h.core.nextDueTime() == nil)
        #expect(h.tick(at: 6).isEmpty)
        h.journal.makeAllDurable()
        #expect(h.collect() == "1 OK\n")
        #expect(h.core.nextDueTime() == 2)
        #expect(h.tick(at: 6).map(\.jobID) == [b("new")])
        #expect(h.core.violations().isEmpty)
    }

    @Test func tickSeesDurabilityWithoutCollect() {
        let h = Harness(durable: false)
        h.core.restore(.rule(id: b("r"), pattern: [], runner: shell))
        h.send("1", .set(job: b("a"), execution: 2))
        h.collect()
        h.journal.makeAllDurable()
        #expect(h.tick(at: 6).map(\.jobID) == [b("a")])
    }

    @Test func parkedJobWhoseSetFailsNeverRuns() {
        let h = Harness(durable: false)
        h.core.restore(.rule(id: b("r"), pattern: [], runner: shell))
        h.send("1", .set(job: b("a"), execution: 2))
        h.collect()
        #expect(h.tick(at: 6).isEmpty)
        h.journal.fail(through: 1)
        #expect(h.collect() == "1 ERROR\n")
        #expect(h.tick(at: 7).isEmpty)
        #expect(h.core.nextDueTime() == nil)
        #expect(h.peek("a") == nil)
    }

    @Test func lostOutcomesAreJournaledAgain() {
        let h = Harness(durable: false)
        h.core.restore(.rule(id: b("r"), pattern: b("run"), runner: shell))
        h.core.restore(.job(id: b("run1"), execution: 1, status: .planned))
        h.core.restore(.job(id: b("run2"), execution: 1, status: .planned))
        h.core.restore(.job(id: b("norule"), execution: 1, status: .planned))
        let runs = h.tick(at: 1)
        #expect(runs.count == 2)
        h.collect()
        let durable = h.journal.lastSequence
        #expect(durable == 1)  // the no-rule failure
        h.journal.makeAllDurable()
        h.collect()
        // run1 finishes (journaled, then lost); run2 is re-SET and its old run finishes meanwhile.
        h.core.applyOutcome(ExecutionOutcome(jobID: b("run1"), generation: runs[0].generation, success: true))
        h.send("x", .set(job: b("run2"), execution: 50))
        h.core.applyOutcome(ExecutionOutcome(jobID: b("run2"), generation: runs[1].generation, success: false))
        #expect(h.status("run2") == "")
        let lost = h.journal.lastSequence
        #expect(lost == 3)  // run1's outcome and the re-SET
        h.journal.fail(through: lost)
        #expect(h.collect() == "x ERROR\ns OK planned 50\n")
        #expect(h.peek("run1") == "executed 1")
        #expect(h.peek("run2") == "failed 1")
        let replayed = Set(h.journal.entries(after: lost).map { "\($0)" })
        #expect(replayed == [
            "\(LogEntry.job(id: b("run1"), execution: 1, status: .executed))",
            "\(LogEntry.job(id: b("run2"), execution: 1, status: .failed))",
        ])
        #expect(h.core.violations().isEmpty)
    }

    @Test func secondFailureAfterRecoveryIsHandled() {
        let h = Harness(durable: false)
        h.send("1", .set(job: b("a"), execution: 1))
        h.journal.fail(through: 1)
        #expect(h.collect() == "1 ERROR\n")
        h.send("2", .set(job: b("b"), execution: 2))
        h.collect()
        h.journal.makeDurable(through: 2)
        #expect(h.collect() == "2 OK\n")
        h.send("3", .set(job: b("c"), execution: 3))
        h.send("4", .remove(job: b("b")))
        h.collect()
        h.journal.fail(through: 4)
        #expect(h.collect() == "3 ERROR\n4 ERROR\n")
        #expect(h.core.dump().jobs == ["b planned 2 g2"])
        #expect(h.journal.discards == [1, 4])
    }
}
