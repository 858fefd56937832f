@testable import KairosCore
import KairosProtocol
import KairosSync
import Testing

/// The cheaper request path of issue 13: no undo records with a journal that is durable on
/// append, and the batch prefetch, must answer exactly as before.
@Suite struct RequestPathTests {
    private func memoryCore() -> SchedulerCore {
        let config = CoreConfig(framerate: 512, persistenceName: "memory", authEnabled: false, tlsEnabled: false, startedAtWallNs: 0)
        return SchedulerCore(config: config, journal: MemoryJournal(), stats: ServerStats())
    }

    private func envelope(_ id: String, _ command: Command) -> RequestEnvelope {
        RequestEnvelope(client: ClientTag(slot: 1, generation: 1), namespace: .unrestricted, request: Request(id: b(id), command: command))
    }

    private func answers(_ core: SchedulerCore) -> String {
        var out: [UInt8] = []
        core.collectResponses { out += $0.bytes }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func memoryJournalKeepsNoUndoRecordsAndAnswersAsBefore() {
        let core = memoryCore()
        #expect(!core.undo.isKept)
        #expect(!FakeJournal(durableOnSubmit: true).isDurableOnAppend)
        core.handle(envelope("1", .set(job: b("a"), execution: 5)), now: 0)
        core.handle(envelope("2", .set(job: b("a"), execution: 7)), now: 0)
        core.handle(envelope("3", .get(job: b("a"))), now: 0)
        core.handle(envelope("4", .remove(job: b("a"))), now: 0)
        core.handle(envelope("5", .get(job: b("a"))), now: 0)
        core.handle(envelope("6", .set(job: b("b"), execution: 9)), now: 0)
        #expect(core.undo.isEmpty)
        #expect(answers(core) == "1 OK\n2 OK\n3 OK planned 7\n4 OK\n5 ERROR\n6 OK\n")
        // Nothing is speculative, so a due job is triggered at once (no rule: failed).
        var triggered = 0
        core.tick(now: 10, unmatched: { _ in triggered += 1 }) { _ in }
        #expect(triggered == 1)
        core.handle(envelope("7", .get(job: b("b"))), now: 10)
        #expect(answers(core) == "7 OK failed 9\n")
    }

    @Test func prefetchLooksAtABatchWithoutPoppingIt() {
        let core = memoryCore()
        let ring = SPSCRing<RequestEnvelope>(capacity: 64)
        // Even requests SET a job, each odd one GETs the job its predecessor set.
        for n in 0..<40 {
            ring.push(envelope("\(n)", n % 2 == 0 ? .set(job: b("j\(n % 6)"), execution: Int64(n)) : .get(job: b("j\((n - 1) % 6)"))))
        }
        #expect(core.prefetch(ring) == SchedulerCore.prefetchBatch)
        #expect(ring.depth == 40)
        var handled = 0
        while case let batch = core.prefetch(ring), batch > 0 {
            for _ in 0..<batch { core.handle(ring.pop()!, now: 0); handled += 1 }
        }
        #expect(handled == 40)
        #expect(core.prefetch(ring) == 0)
        let expected = (0..<40).map { n in n % 2 == 0 ? "\(n) OK\n" : "\(n) OK planned \(n - 1)\n" }.joined()
        #expect(answers(core) == expected)
    }
}
