@testable import KairosCore
import KairosProtocol
import Testing

/// A million recurring jobs churning must not grow any structure: every run's re-plan replaces
/// what the run took (issue 15, scale). Here 1,000 jobs run 20 times each without a rule.
@Suite struct RecurringChurnTests {
    @Test func rePlansLeaveEveryStructureAtItsSize() {
        let h = Harness()
        let jobs = 1_000
        for n in 0..<jobs {
            h.send("s", .setRecurring(job: b("k\(n)"), execution: 100 + Int64(n), recurrence: Recurrence(interval: 10_000, anchor: 100 + Int64(n))))
        }
        h.collect()
        var sizes: [String] = []
        for round in 1...20 {
            h.tick(at: 100 + Int64(round) * 10_000)
            h.collect()
            sizes.append("due=\(h.core.due.count) undo=\(h.core.undo.count) parked=\(h.core.parked.count) recurring=\(h.core.recurring.count)")
        }
        #expect(Set(sizes).count == 1, "\(sizes)")
        #expect(h.core.due.count <= jobs)
    }

    /// One undo record per journaled entry: a tick that re-plans many recurring jobs at once
    /// holds two per job until the batch is durable, and the ring keeps its largest size. A
    /// schedule inside a record (180 bytes) made it over 200 bytes; it is boxed.
    @Test func undoRecordsStaySmall() {
        #expect(MemoryLayout<UndoRecord>.stride <= 64, "\(MemoryLayout<UndoRecord>.stride)")
        #expect(MemoryLayout<RecurringJob>.stride > 100)
    }
}
