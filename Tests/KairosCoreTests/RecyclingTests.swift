@testable import KairosCore
import KairosProtocol
import KairosSync
import Testing

/// The address of an array's element storage, to tell a reused buffer from a new one.
private func storageAddress(_ array: Bytes) -> UInt {
    array.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress!) }
}

/// Every spare the recycler holds, in order.
private func drain(_ recycler: ByteArrayRecycler) -> [Bytes] {
    var out: [Bytes] = []
    while let array = recycler.takeSpare() { out.append(array) }
    return out
}

/// The test plays the reactor's side of `BufferExchange`: it gives answer buffers and takes
/// back the arrays of answered requests.
@Suite("Request and answer arrays circulate")
struct RecyclingTests {
    @Test func answeredRequestsHandTheirIdAndOperandBack() {
        let h = Harness()
        #expect(h.ask("r1", .set(job: b("job.1"), execution: 5_000)) == "r1 OK\n")
        _ = drain(h.buffers.requestArrays)  // the first SET's job id now names the job
        let id = b("r2")
        let job = b("job.1")
        let addresses = Set([storageAddress(id), storageAddress(job)])
        // Moved in, so the core's references are the only ones, as with the reactor's requests.
        let request = Request(id: consume id, command: .get(job: consume job))
        h.core.handle(RequestEnvelope(client: h.client, namespace: .unrestricted, request: consume request), now: h.now)
        // Nothing comes back before the answer is released.
        #expect(drain(h.buffers.requestArrays).isEmpty)
        #expect(h.collect() == "r2 OK planned 5000\n")
        let returned = drain(h.buffers.requestArrays)
        #expect(Set(returned.map(storageAddress)) == addresses)
        #expect(returned.allSatisfy { $0.isEmpty })
    }

    @Test func anAnswerIsWrittenIntoAGivenBuffer() {
        let h = Harness()
        var spare: [UInt8] = []
        spare.reserveCapacity(512)
        let address = storageAddress(spare)
        h.buffers.answerBuffers.give(consume spare)
        h.send("r1", .set(job: b("a"), execution: 5_000))
        h.send("r2", .get(job: b("a")))
        let envelopes = h.collectEnvelopes()
        #expect(envelopes.count == 1)
        #expect(envelopes.first?.count == 2)
        #expect(envelopes.first.map { String(decoding: $0.bytes, as: UTF8.self) } == "r1 OK\nr2 OK planned 5000\n")
        #expect(envelopes.first.map { storageAddress($0.bytes) } == address)
    }

    /// Rolled-back mutations are answered `ERROR` and their arrays come back all the same.
    @Test func aJournalFailureStillHandsArraysBack() {
        let h = Harness(durable: false)
        h.send("m1", .set(job: b("a"), execution: 5_000))
        h.send("m2", .remove(job: b("missing")))
        #expect(h.collect() == "")
        h.journal.fail(through: h.journal.lastSequence)
        #expect(h.collect() == "m1 ERROR\nm2 ERROR\n")
        // m1's job id is kept by nobody once undone; m2's request id and job id come back too.
        #expect(drain(h.buffers.requestArrays).count == 4)
    }

    /// Without an exchange (the default) everything is a plain allocation and answers match.
    @Test func aCoreWithoutAnExchangeAnswersTheSame() {
        let journal = FakeJournal(durableOnSubmit: true)
        let core = SchedulerCore(
            config: CoreConfig(framerate: 512, persistenceName: "memory", authEnabled: false, tlsEnabled: false, startedAtWallNs: 0),
            journal: journal, stats: ServerStats())
        core.handle(RequestEnvelope(client: ClientTag(slot: 0, generation: 1), namespace: .unrestricted,
                                    request: Request(id: b("r1"), command: .set(job: b("a"), execution: 7))), now: 0)
        var out: [UInt8] = []
        core.collectResponses { out += $0.bytes }
        #expect(String(decoding: out, as: UTF8.self) == "r1 OK\n")
    }
}
