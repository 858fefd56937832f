@testable import KairosCore
import KairosProtocol
import KairosSync
import Testing

/// `kairos_requests_total` as the core counts it: by protocol, command and the outcome the client
/// got, visible to readers only after `publishCounters`.
@Suite struct RequestTallyTests {
    /// The published value at (protocol, command name, outcome).
    func published(_ h: Harness, _ protocolName: String, _ command: String, _ outcome: String) -> Int {
        let slot = RequestCountLayout.slot(
            protocol: RequestCountLayout.protocols.firstIndex(of: protocolName)!,
            command: RequestCountLayout.commands.firstIndex(of: command)!)
        return h.stats.requests.load(slot + RequestCountLayout.outcomes.firstIndex(of: outcome)!)
    }

    /// Every published count that is not zero, as "protocol command outcome=value".
    func nonZero(_ h: Harness) -> [String] {
        var out: [String] = []
        for (p, protocolName) in RequestCountLayout.protocols.enumerated() {
            for (c, command) in RequestCountLayout.commands.enumerated() {
                for (o, outcome) in RequestCountLayout.outcomes.enumerated() {
                    let value = h.stats.requests.load(RequestCountLayout.slot(protocol: p, command: c) + o)
                    if value != 0 { out.append("\(protocolName) \(command) \(outcome)=\(value)") }
                }
            }
        }
        return out
    }

    @Test func readsAndErrorsCountWhenHandledMutationsWhenDurable() {
        let h = Harness(durable: false)
        h.send("a", .set(job: b("j"), execution: 5))
        h.send("b", .get(job: b("nope")))  // ERROR
        h.send("c", .stat)
        h.send("d", .malformed)
        h.send("e", .remove(job: b("nope")))  // ERROR, nothing journaled
        h.core.publishCounters()
        // The SET is not durable yet: not counted, neither ok nor error.
        #expect(nonZero(h) == ["line get error=1", "line remove error=1", "line stat ok=1", "line malformed error=1"])
        h.journal.makeAllDurable()
        _ = h.collect()
        h.core.publishCounters()
        #expect(published(h, "line", "set", "ok") == 1)
        #expect(published(h, "line", "set", "error") == 0)
    }

    @Test func notPublishedBeforePublishCounters() {
        let h = Harness()
        h.send("a", .stat)
        #expect(nonZero(h) == [])
        h.core.publishCounters()
        #expect(nonZero(h) == ["line stat ok=1"])
    }

    /// A mutation the journal loses is answered ERROR and counted `error`, never `ok`.
    @Test func mutationLostByTheJournalCountsAsError() {
        let h = Harness(durable: false)
        h.send("m1", .ruleSet(rule: b("r"), pattern: b("a"), runner: .shell(command: b("true"))))
        h.send("m2", .set(job: b("a"), execution: 5))
        h.send("r1", .get(job: b("a")))  // a read: its answer stands
        _ = h.collect()
        h.journal.fail(through: h.journal.lastSequence)
        #expect(h.collect() == "m1 ERROR\nm2 ERROR\nr1 OK planned 5\n")
        h.core.publishCounters()
        #expect(nonZero(h) == ["line set error=1", "line get ok=1", "line ruleset error=1"])
    }

    @Test func httpRequestsCountUnderHTTPAndNotFoundIsAnError() {
        let h = Harness()
        func sendJSON(_ command: Command) {
            h.core.handle(
                RequestEnvelope(client: h.client, namespace: .unrestricted, request: Request(id: [], command: command), format: .json),
                now: h.now)
        }
        sendJSON(.set(job: b("j"), execution: 5))
        sendJSON(.get(job: b("j")))
        sendJSON(.get(job: b("missing")))  // 404
        sendJSON(.getRule(rule: b("missing")))  // 404
        sendJSON(.setRecurring(job: b("k"), execution: 5, recurrence: Recurrence(interval: 1_000_000_000, anchor: 5)))
        _ = h.collect()
        h.core.publishCounters()
        #expect(nonZero(h) == ["http set ok=2", "http get ok=1", "http get error=1", "http getrule error=1"])
    }
}
