@testable import KairosCore
import KairosProtocol
import KairosSync
import Testing

/// D-limits: QUERY and LISTRULES answers are written in bounded parts, in request order per
/// connection, interleaved with other connections, and paused while a connection's output is
/// not drained.
@Suite struct ListingStreamTests {
    private static let other = ClientTag(slot: 2, generation: 1)

    /// A harness holding `count` jobs `pfx.job00000`... (every third one in `pfx.odd` instead),
    /// all durable. Each QUERY line is about 30 bytes, so a few thousand make a long answer.
    private static func loaded(jobs count: Int) -> Harness {
        let h = Harness()
        for i in 0..<count { h.core.restore(.job(id: b(jobID(i)), execution: Int64(i) * 7 - 5, status: .planned)) }
        return h
    }

    private static func jobID(_ i: Int) -> String {
        let digits = String(i)
        return (i % 3 == 0 ? "pfx.odd" : "pfx.job") + String(repeating: "0", count: 5 - digits.count) + digits
    }

    /// What QUERY must answer, built independently of the core: matching ids in byte order.
    private static func expectedQuery(_ id: String, jobs count: Int, prefix: String) -> String {
        let ids = (0..<count).filter { jobID($0).hasPrefix(prefix) }.sorted { Array(jobID($0).utf8).lexicographicallyPrecedes(Array(jobID($1).utf8)) }
        return ids.map { "\(id) \(jobID($0)) planned \(Int64($0) * 7 - 5)\n" }.joined() + "\(id) OK\n"
    }

    /// Collects until nothing more comes, answering every drain request at once (a client that
    /// reads everything). Returns every envelope in emission order.
    private static func drainAll(_ h: Harness, acknowledge: Bool = true) -> [ResponseEnvelope] {
        var all: [ResponseEnvelope] = []
        for _ in 0..<100_000 {
            let batch = h.collectEnvelopes()
            all += batch
            if acknowledge {
                for envelope in batch where envelope.wantsDrainNotice {
                    h.core.outputDrained(OutputNotice(client: envelope.client, closed: false))
                }
            }
            if batch.isEmpty, !h.core.hasListingWork { break }
        }
        return all
    }

    private static func text(_ envelopes: [ResponseEnvelope], for client: ClientTag? = nil) -> String {
        String(decoding: envelopes.filter { client == nil || $0.client == client }.flatMap(\.bytes), as: UTF8.self)
    }

    @Test func longQueryAnswersExactlyTheSameBytesInBoundedParts() {
        let h = Self.loaded(jobs: 9_000)
        h.send("q1", .query(prefix: b("pfx.")))
        let envelopes = Self.drainAll(h)
        #expect(Self.text(envelopes) == Self.expectedQuery("q1", jobs: 9_000, prefix: "pfx."))
        #expect(envelopes.count > 3, "written in several parts")
        #expect(envelopes.allSatisfy { $0.bytes.count <= SchedulerCore.partBytes + 64 })
        // Only the part with the `OK` line finishes the request.
        #expect(envelopes.map(\.count) == Array(repeating: 0, count: envelopes.count - 1) + [1])
        #expect(!h.core.responses.hasLanes)
    }

    @Test func shortQueryIsStillOneWholeAnswer() {
        let h = Self.loaded(jobs: 300)
        h.send("q", .query(prefix: b("pfx.odd")))
        let envelopes = h.collectEnvelopes()
        #expect(envelopes.count == 1 && envelopes[0].count == 1)
        #expect(Self.text(envelopes) == Self.expectedQuery("q", jobs: 300, prefix: "pfx.odd"))
        #expect(!h.core.responses.hasLanes)
    }

    @Test func longQueryUnderANamespace() {
        let h = Self.loaded(jobs: 9_000)
        h.namespace = .prefix(b("pfx.job"))
        h.send("q1", .query(prefix: b("pfx.")))  // narrowed to the namespace
        h.send("q2", .query(prefix: b("pfx.odd")))  // outside it: nothing
        h.send("q3", .query(prefix: b("pfx.job01")))
        let expected = Self.expectedQuery("q1", jobs: 9_000, prefix: "pfx.job") + "q2 OK\n"
            + Self.expectedQuery("q3", jobs: 9_000, prefix: "pfx.job01")
        #expect(Self.text(Self.drainAll(h)) == expected)
    }

    @Test func longListRulesWithAndWithoutNamespace() {
        let h = Harness()
        var lines: [String: String] = [:]
        for i in 0..<1_500 {
            let id = (i % 2 == 0 ? "team.a." : "team.b.") + String(i)
            h.core.restore(.rule(id: b(id), pattern: b("p\(i)"), runner: .shell(command: b("echo run \(i)"))))
            lines[id] = "\(id) p\(i) shell echo run \(i)"
        }
        let sorted = lines.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        h.send("l1", .listRules)
        let all = Self.drainAll(h)
        #expect(all.count > 1)
        #expect(Self.text(all) == sorted.map { "l1 \(lines[$0]!)\n" }.joined() + "l1 OK\n")
        h.namespace = .prefix(b("team.b."))
        h.send("l2", .listRules)
        #expect(Self.text(Self.drainAll(h)) == sorted.filter { $0.hasPrefix("team.b.") }.map { "l2 \(lines[$0]!)\n" }.joined() + "l2 OK\n")
    }

    @Test func pipelinedRequestsAfterALongQueryComeAfterItsOK() {
        let h = Self.loaded(jobs: 9_000)
        h.send("q1", .query(prefix: b("pfx.")))
        h.send("g1", .get(job: b("pfx.job00001")))
        h.send("s1", .set(job: b("a.new"), execution: 5))
        h.send("q2", .query(prefix: b("a.")))
        h.send("q3", .query(prefix: b("pfx.odd")))
        h.send("st", .remove(job: b("a.new")))
        let expected = Self.expectedQuery("q1", jobs: 9_000, prefix: "pfx.") + "g1 OK planned 2\ns1 OK\nq2 a.new planned 5\nq2 OK\n"
            + Self.expectedQuery("q3", jobs: 9_000, prefix: "pfx.odd") + "st OK\n"
        let envelopes = Self.drainAll(h)
        #expect(Self.text(envelopes) == expected)
        #expect(envelopes.reduce(0) { $0 + $1.count } == 6, "every request answered exactly once")
    }

    @Test func queryBehindAWithheldMutationWaitsForIt() {
        let h = Harness(durable: false)
        for i in 0..<3_000 { h.core.restore(.job(id: b(Self.jobID(i)), execution: Int64(i) * 7 - 5, status: .planned)) }
        h.send("s1", .set(job: b("pfx.zzz"), execution: 1))
        h.send("q1", .query(prefix: b("pfx.")))
        h.send("g1", .get(job: b("pfx.zzz")))
        #expect(Self.drainAll(h).isEmpty, "nothing before the SET is durable")
        h.journal.makeAllDurable()
        let expected = "s1 OK\n" + Self.expectedQuery("q1", jobs: 3_000, prefix: "pfx.").replacingOccurrences(
            of: "q1 OK\n", with: "q1 pfx.zzz planned 1\nq1 OK\n") + "g1 OK planned 1\n"
        #expect(Self.text(Self.drainAll(h)) == expected)
    }

    @Test func partsShowingUndurableMutationsWaitForTheJournal() {
        let h = Harness(durable: false)
        for i in 0..<3_000 { h.core.restore(.job(id: b(Self.jobID(i)), execution: Int64(i) * 7 - 5, status: .planned)) }
        h.send("q1", .query(prefix: b("pfx.")))
        var out = h.collectEnvelopes()  // the first part, made when the QUERY was handled
        #expect(out.count >= 1 && out.allSatisfy { $0.count == 0 })
        // Another connection's SET is applied but not durable: a later part might show it.
        h.send("s1", .set(job: b("pfx.zzz"), execution: 1), client: Self.other)
        out = h.collectEnvelopes()
        #expect(out.isEmpty)
        #expect(!h.core.hasListingWork, "the lane waits for the journal, not for the core")
        h.journal.makeAllDurable()
        out = Self.drainAll(h)
        #expect(Self.text(out, for: Self.other) == "s1 OK\n")
        #expect(Self.text(out, for: h.client).hasSuffix("q1 pfx.zzz planned 1\nq1 OK\n"))
    }

    @Test func otherConnectionsAreAnsweredBetweenParts() {
        let h = Self.loaded(jobs: 9_000)
        h.send("q1", .query(prefix: b("pfx.")))
        h.send("g1", .get(job: b("pfx.job00001")), client: Self.other)
        var first = h.collectEnvelopes()
        #expect(Self.text(first, for: Self.other) == "g1 OK planned 2\n")
        #expect(first.filter { $0.client == h.client }.allSatisfy { $0.count == 0 }, "the QUERY is not finished yet")
        h.send("g2", .get(job: b("pfx.odd00000")), client: Self.other)
        let second = h.collectEnvelopes()
        #expect(Self.text(second, for: Self.other) == "g2 OK planned -5\n")
        #expect(second.contains { $0.client == h.client && $0.count == 0 }, "and the QUERY goes on")
        first += second
        first += Self.drainAll(h)
        #expect(Self.text(first, for: h.client) == Self.expectedQuery("q1", jobs: 9_000, prefix: "pfx."))
    }

    @Test func pausesAfterTheWindowUntilTheOutputDrains() {
        let h = Self.loaded(jobs: 45_000)  // about 1.3 MB of answer
        h.send("q1", .query(prefix: b("pfx.")))
        var all = Self.drainAll(h, acknowledge: false)
        let emitted = all.reduce(0) { $0 + $1.bytes.count }
        #expect(all.last?.wantsDrainNotice == true, "the last part asks for a drain notice")
        #expect(all.dropLast().allSatisfy { !$0.wantsDrainNotice })
        #expect(emitted >= PendingResponses.drainWindow && emitted < PendingResponses.drainWindow + SchedulerCore.partBytes + 64)
        #expect(!h.core.hasListingWork)
        // Another connection is still served while this one is paused.
        h.send("g1", .get(job: b("pfx.job00001")), client: Self.other)
        #expect(Self.text(h.collectEnvelopes()) == "g1 OK planned 2\n")
        // So is the paused connection's next request, once its listing is done: not before.
        h.send("g2", .get(job: b("pfx.job00002")))
        #expect(h.collectEnvelopes().isEmpty)
        h.core.outputDrained(OutputNotice(client: h.client, closed: false))
        #expect(h.core.hasListingWork)
        all += Self.drainAll(h)
        #expect(Self.text(all, for: h.client) == Self.expectedQuery("q1", jobs: 45_000, prefix: "pfx.") + "g2 OK planned 9\n")
    }

    @Test func closedConnectionDropsItsListings() {
        let h = Self.loaded(jobs: 45_000)
        h.send("q1", .query(prefix: b("pfx.")))
        h.send("q2", .query(prefix: b("pfx.")))
        let all = Self.drainAll(h, acknowledge: false)
        #expect(all.last?.wantsDrainNotice == true)
        h.core.outputDrained(OutputNotice(client: h.client, closed: true))
        #expect(!h.core.hasListingWork)
        #expect(Self.drainAll(h).isEmpty)
        #expect(!h.core.responses.hasLanes)
        // A notice for a connection without listings is ignored.
        h.core.outputDrained(OutputNotice(client: Self.other, closed: false))
        #expect(h.ask("g", .get(job: b("pfx.job00001"))) == "g OK planned 2\n")
    }

    @Test func partsRespectTheRingRoom() {
        let h = Self.loaded(jobs: 9_000)
        h.send("q1", .query(prefix: b("pfx.")))
        var out: [ResponseEnvelope] = []
        h.core.collectResponses(partRoom: 0) { out.append($0) }
        #expect(out.isEmpty, "no room: the listing waits")
        h.core.collectResponses(partRoom: 1) { out.append($0) }
        #expect(out.count == 1)
        out += Self.drainAll(h)
        #expect(Self.text(out) == Self.expectedQuery("q1", jobs: 9_000, prefix: "pfx."))
    }

    @Test func jobsChangingDuringAListingAreSeenAtMostOnceInOrder() {
        let h = Self.loaded(jobs: 9_000)
        h.send("q1", .query(prefix: b("pfx.")))
        var out = h.collectEnvelopes()
        // Behind the cursor (already listed or skipped) and ahead of it.
        h.send("r1", .remove(job: b("pfx.job00001")), client: Self.other)
        h.send("r2", .remove(job: b("pfx.odd08997")), client: Self.other)
        h.send("s1", .set(job: b("pfx.job00002"), execution: 42), client: Self.other)
        h.send("s2", .set(job: b("pfx.zzz"), execution: 1), client: Self.other)
        out += Self.drainAll(h)
        let lines = Self.text(out, for: h.client).split(separator: "\n").map(String.init)
        let ids = lines.dropLast().map { $0.split(separator: " ")[1] }
        #expect(lines.last == "q1 OK")
        #expect(ids == ids.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } && Set(ids).count == ids.count)
        #expect(ids.contains("pfx.job00001"), "listed before it was removed")
        #expect(!ids.contains("pfx.odd08997"), "removed before the listing reached it")
        #expect(ids.contains("pfx.zzz"), "added ahead of the listing")
        #expect(lines.contains("q1 pfx.job00002 planned 9"), "already listed: the old value")
    }

    @Test func mutationLostBehindALongQueryAnswersErrorAfterIt() {
        let h = Harness(durable: false)
        for i in 0..<3_000 { h.core.restore(.job(id: b(Self.jobID(i)), execution: Int64(i) * 7 - 5, status: .planned)) }
        h.send("q1", .query(prefix: b("pfx.")))
        h.send("s1", .set(job: b("pfx.zzz"), execution: 1))
        h.send("g1", .get(job: b("pfx.job00001")))
        var out = h.collectEnvelopes()  // the QUERY's first part only
        h.journal.fail(through: h.journal.lastSequence)
        out += Self.drainAll(h)
        // The SET is undone: the listing goes on without it and the SET answers ERROR after it.
        let expected = Self.expectedQuery("q1", jobs: 3_000, prefix: "pfx.") + "s1 ERROR\ng1 OK planned 2\n"
        #expect(Self.text(out) == expected)
        #expect(h.peek("pfx.zzz") == nil)
    }
}
