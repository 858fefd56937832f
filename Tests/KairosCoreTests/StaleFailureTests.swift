@testable import KairosCore
import KairosProtocol
import Testing

/// The journal writer runs on its own thread, so its reports lag the core (D-write-ahead, D-storage-faults): these
/// pin down how the core reads a report that arrives after the core already acted on it.
@Suite struct StaleFailureTests {
    /// The writer drops batches it received before the core's discard and reports them failed
    /// after the core rolled them back. That report is old news: it must not undo (and answer
    /// `ERROR` to) a mutation appended after the discard, which the writer goes on to write.
    @Test func aReportOfEntriesAlreadyDiscardedIsNotANewFailure() {
        let h = Harness(durable: false)
        h.send("m1", .set(job: b("a"), execution: 1))
        #expect(h.collect() == "")
        h.send("m2", .set(job: b("b"), execution: 2))
        h.journal.fail(through: 1)
        #expect(h.collect() == "m1 ERROR\nm2 ERROR\n")
        #expect(h.journal.discards == [2])

        h.send("m3", .set(job: b("c"), execution: 3))
        #expect(h.collect() == "")
        // The writer's late report of the batch holding entry 2, dropped before the discard.
        h.journal.fail(through: 2)
        #expect(h.collect() == "")
        #expect(h.journal.discards == [2])
        #expect(h.peek("c") == "planned 3")
        h.journal.makeDurable(through: 3)
        #expect(h.collect() == "m3 OK\n")
        #expect(h.core.violations().isEmpty)
    }

    /// D-storage-faults: once a failure is answered, a read queued behind the discarded entries is answered
    /// at once instead of waiting for durability that never comes (or for the next request).
    @Test func aReadAfterAFailedMutationIsAnsweredWithoutWaiting() {
        let h = Harness(durable: false)
        h.send("m1", .set(job: b("a"), execution: 1))
        h.collect()
        h.journal.makeDurable(through: 1)
        #expect(h.collect() == "m1 OK\n")

        h.send("m2", .set(job: b("a"), execution: 2))
        #expect(h.collect() == "")
        h.journal.fail(through: 2)
        #expect(h.collect() == "m2 ERROR\n")
        #expect(h.ask("g", .get(job: b("a"))) == "g OK planned 1\n")
        #expect(h.ask("q", .get(job: b("none"))) == "q ERROR\n")
        #expect(!h.core.hasWithheldAnswers)
    }
}
