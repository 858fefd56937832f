@testable import KairosCore
import KairosProtocol
import Testing

/// The compact schedule store (issue 15, scale) and the JSON answers HTTP gets for recurring jobs.
@Suite struct RecurringTableTests {
    private static let s: Int64 = 1_000_000_000

    private func job(_ interval: Int64, anchor: Int64, runs: UInt64 = 0) -> RecurringJob {
        RecurringJob(recurrence: Recurrence(interval: interval, anchor: anchor), counters: RunCounters(runs: runs))
    }

    @Test func jobsWithOneScheduleShareOneShapeAndFreedEntriesAreReused() {
        var table = RecurringTable()
        var handles: [UInt32] = []
        for n in 0..<10_000 { handles.append(table.store(job(60 * Self.s, anchor: Int64(n)), replacing: 0)) }
        #expect(table.count == 10_000 && table.shapeCount == 1)
        #expect(Set(handles).count == 10_000 && !handles.contains(0))
        #expect(table[handles[1234]] == job(60 * Self.s, anchor: 1234))
        // Replacing in place keeps the handle; a new shape is counted until its last user leaves.
        #expect(table.store(job(30 * Self.s, anchor: 7, runs: 5), replacing: handles[0]) == handles[0])
        #expect(table.shapeCount == 2 && table[handles[0]] == job(30 * Self.s, anchor: 7, runs: 5))
        #expect(table.store(nil, replacing: handles[0]) == 0)
        #expect(table.shapeCount == 1 && table.count == 9_999)
        // The freed entry is the next one handed out.
        #expect(table.store(job(Self.s, anchor: 1), replacing: 0) == handles[0])
        for handle in handles { _ = table.store(nil, replacing: handle) }
        #expect(table.isEmpty && table.shapeCount == 0)
        #expect(table[0] == nil)
    }

    @Test func cronShapesAreKeyedByExpressionAndZone() {
        var table = RecurringTable()
        let paris = RecurringJob(recurrence: Recurrence(cron: CronRule(expression: "@daily", zone: "Europe/Paris")!), counters: RunCounters())
        let utc = RecurringJob(recurrence: Recurrence(cron: CronRule(expression: "@daily", zone: "UTC")!), counters: RunCounters())
        let a = table.store(paris, replacing: 0), b = table.store(utc, replacing: 0), c = table.store(paris, replacing: 0)
        #expect(table.shapeCount == 2)
        #expect(table[a] == paris && table[b] == utc && table[c] == paris)
    }

    @Test func countersSaturateAt32Bits() {
        var table = RecurringTable()
        let huge = RecurringJob(
            recurrence: Recurrence(interval: Self.s, anchor: 0),
            counters: RunCounters(runs: 1 << 40, failures: 3, lastOutcome: .failed, lastAt: -5, attempt: 2))
        let handle = table.store(huge, replacing: 0)
        #expect(table[handle]?.counters == RunCounters(runs: UInt64(UInt32.max), failures: 3, lastOutcome: .failed, lastAt: -5, attempt: 2))
    }

    /// A slot freed by REMOVE and reused by a new one-shot job must not inherit the schedule.
    @Test func aReusedSlotStartsOneShot() {
        let h = Harness()
        h.ask("1", .setRecurring(job: b("a"), execution: 100, recurrence: Recurrence(interval: 10, anchor: 100)))
        #expect(h.ask("2", .remove(job: b("a"))) == "2 OK\n")
        h.ask("3", .set(job: b("b"), execution: 200))
        #expect(h.ask("i", .info(job: b("b"))) == "i OK planned 200 once retry=0/0s last=none@0 runs=0 failures=0\n")
        #expect(h.core.recurring.isEmpty)
    }

    // MARK: JSON answers (HTTP: empty request id, `.json` format)

    private func json(_ h: Harness, _ command: Command) -> String {
        h.core.handle(RequestEnvelope(client: h.client, namespace: .unrestricted, request: Request(id: [], command: command), format: .json), now: h.now)
        return h.collect()
    }

    @Test func recurringJobsAnswerWithTheirScheduleAfterZticksKeys() {
        let h = Harness()
        let every = Recurrence(interval: 5_400 * Self.s, anchor: 100, retries: 3, backoff: 60 * Self.s)
        let object = "{\"id\":\"j\",\"status\":\"planned\",\"execution\":100,\"every\":\"1h30m\",\"retry\":{\"count\":3,\"backoff\":\"1m\"},\"runs\":0,\"failures\":0,\"last_outcome\":\"none\",\"last_at\":0}"
        #expect(json(h, .setRecurring(job: b("j"), execution: 100, recurrence: every)) == object)
        #expect(json(h, .get(job: b("j"))) == object)
        // A cron job's first run comes from the core's clock (h.now = 1000 ns: the next minute).
        let cron = Recurrence(cron: CronRule(expression: "*/5 * * * *", zone: "Europe/Paris")!)
        let cronObject = "{\"id\":\"k\",\"status\":\"planned\",\"execution\":300000000000,\"cron\":\"*/5 * * * *\",\"timezone\":\"Europe/Paris\",\"retry\":{\"count\":0,\"backoff\":\"10s\"},\"runs\":0,\"failures\":0,\"last_outcome\":\"none\",\"last_at\":0}"
        #expect(json(h, .setRecurring(job: b("k"), execution: 0, recurrence: cron)) == cronObject)
        h.ask("1", .set(job: b("l"), execution: 7))
        #expect(json(h, .query(prefix: [])) == "[\(object),\(cronObject),{\"id\":\"l\",\"status\":\"planned\",\"execution\":7}]")
        // One-shot again: ztick's object, and the line protocol's GET never changes.
        h.ask("2", .set(job: b("j"), execution: 100))
        #expect(json(h, .get(job: b("j"))) == " OK planned 100\n")
        #expect(h.ask("3", .get(job: b("k"))) == "3 OK planned 300000000000\n")
    }

    @Test func countersAppearOnceRunsFinish() {
        let h = Harness()
        h.core.restore(.rule(id: b("r"), pattern: [], runner: .shell(command: b("false"))))
        h.ask("1", .setRecurring(job: b("j"), execution: 100, recurrence: Recurrence(interval: 10, anchor: 100)))
        let fired = h.tick(at: 100)
        h.core.applyOutcome(ExecutionOutcome(jobID: fired[0].jobID, generation: fired[0].generation, success: false), now: 101)
        #expect(json(h, .get(job: b("j"))) == "{\"id\":\"j\",\"status\":\"planned\",\"execution\":110,\"every\":\"0s\",\"retry\":{\"count\":0,\"backoff\":\"10s\"},\"runs\":1,\"failures\":1,\"last_outcome\":\"failed\",\"last_at\":100}")
    }

    @Test func aRecurringPutWhoseEntryIsLostIsAnError() {
        let h = Harness(durable: false)
        h.core.handle(
            RequestEnvelope(
                client: h.client, namespace: .unrestricted,
                request: Request(id: [], command: .setRecurring(job: b("j"), execution: 100, recurrence: Recurrence(interval: 10, anchor: 100))),
                format: .json),
            now: h.now)
        h.journal.fail(through: h.journal.lastSequence)
        #expect(h.collect() == " ERROR\n")
        #expect(h.ask("g", .get(job: b("j"))) == "g ERROR\n")
        #expect(h.core.recurring.isEmpty)
    }
}
