@testable import KairosCore
import KairosProtocol
import KairosSync
import Testing

/// The `.json` answer format the HTTP API asks for (D-http-api): the same commands, answers its
/// translator can read without ambiguity.
@Suite struct JSONAnswerTests {
    func ask(_ h: Harness, _ command: Command) -> String {
        h.core.handle(
            RequestEnvelope(client: h.client, namespace: h.namespace, request: Request(id: [], command: command), format: .json),
            now: h.now)
        return h.collect()
    }

    @Test func singleAnswers() {
        let h = Harness()
        #expect(ask(h, .set(job: b("a\"1"), execution: 5)) == " OK\n")
        #expect(ask(h, .get(job: b("a\"1"))) == " OK planned 5\n")
        #expect(ask(h, .get(job: b("nope"))) == " NOTFOUND\n")
        #expect(ask(h, .remove(job: b("nope"))) == " NOTFOUND\n")
        #expect(ask(h, .removeRule(rule: b("nope"))) == " NOTFOUND\n")
        #expect(ask(h, .getRule(rule: b("nope"))) == " NOTFOUND\n")
        #expect(ask(h, .ruleSet(rule: b("r"), pattern: b("a"), runner: .direct(executable: b("/bin/x"), args: [b("1")]))) == " OK\n")
        #expect(ask(h, .getRule(rule: b("r"))) == "{\"id\":\"r\",\"pattern\":\"a\",\"runner\":\"direct\",\"args\":[\"/bin/x\",\"1\"]}")
        #expect(ask(h, .remove(job: b("a\"1"))) == " OK\n")
        // The line protocol is unchanged: a missing job is still ERROR there.
        #expect(h.ask("r1", .remove(job: b("nope"))) == "r1 ERROR\n")
    }

    @Test func listings() {
        let h = Harness()
        #expect(ask(h, .query(prefix: [])) == "[]")
        #expect(ask(h, .queryRules(prefix: [])) == "[]")
        _ = ask(h, .set(job: b("b"), execution: 2))
        _ = ask(h, .set(job: b("a"), execution: 1))
        _ = ask(h, .set(job: b("c.x"), execution: -3))
        _ = ask(h, .ruleSet(rule: b("r2"), pattern: b("c."), runner: .shell(command: b("x"))))
        _ = ask(h, .ruleSet(rule: b("r1"), pattern: b(""), runner: .http(method: b("GET"), url: b("http://h/"))))
        _ = ask(h, .ruleSet(rule: b("s"), pattern: b(""), runner: .shell(command: b("y"))))
        #expect(ask(h, .query(prefix: [])) == "[{\"id\":\"a\",\"status\":\"planned\",\"execution\":1},{\"id\":\"b\",\"status\":\"planned\",\"execution\":2},{\"id\":\"c.x\",\"status\":\"planned\",\"execution\":-3}]")
        #expect(ask(h, .query(prefix: b("c"))) == "[{\"id\":\"c.x\",\"status\":\"planned\",\"execution\":-3}]")
        #expect(ask(h, .queryRules(prefix: b("r"))) == "[{\"id\":\"r1\",\"pattern\":\"\",\"runner\":\"http\"},{\"id\":\"r2\",\"pattern\":\"c.\",\"runner\":\"shell\"}]")
        #expect(ask(h, .queryRules(prefix: b("s"))) == "[{\"id\":\"s\",\"pattern\":\"\",\"runner\":\"shell\"}]")
        #expect(ask(h, .queryRules(prefix: b("x"))) == "[]")
        h.namespace = .prefix(b("c."))
        #expect(ask(h, .query(prefix: [])) == "[{\"id\":\"c.x\",\"status\":\"planned\",\"execution\":-3}]")
        #expect(ask(h, .queryRules(prefix: [])) == "[]")
        #expect(ask(h, .getRule(rule: b("r1"))) == " ERROR\n")  // the HTTP layer answers 403 before this
        // LISTRULES on the line protocol ignores the prefix machinery.
        h.namespace = .unrestricted
        #expect(h.ask("q", .listRules) == "q r1  http GET http://h/\nq r2 c. shell x\nq s  shell y\nq OK\n")
    }

    @Test func longListingIsValidJSONAcrossParts() {
        let h = Harness()
        for index in 0..<3000 { h.send("s", .set(job: b("job-\(index)"), execution: Int64(index))) }
        _ = h.collect()
        h.core.handle(
            RequestEnvelope(client: h.client, namespace: .unrestricted, request: Request(id: [], command: .query(prefix: [])), format: .json),
            now: h.now)
        var body: [UInt8] = []
        var finished = false
        for _ in 0..<100 where !finished {
            h.core.collectResponses { envelope in
                body += envelope.bytes
                if envelope.count > 0 { finished = true }
                if envelope.wantsDrainNotice { h.core.outputDrained(OutputNotice(client: h.client, closed: false)) }
            }
        }
        #expect(finished)
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasPrefix("[{\"id\":\"job-0\","))
        #expect(text.hasSuffix("\"execution\":999}]"))
        #expect(text.components(separatedBy: "},{").count == 3000)
        #expect(!text.contains(",,") && !text.contains("[,") && !text.contains(",]"))
    }

    @Test func statJSON() {
        let h = Harness(startedAt: 0)
        h.now = 7
        #expect(ask(h, .stat) == "{\"uptime_ns\":7,\"connections\":0,\"jobs_total\":0,\"jobs_planned\":0,\"jobs_triggered\":0,\"jobs_executed\":0,\"jobs_failed\":0,\"rules_total\":0,\"executions_pending\":0,\"executions_inflight\":0,\"persistence\":\"logfile\",\"compression\":\"idle\",\"auth_enabled\":0,\"tls_enabled\":0,\"framerate\":512}")
    }

    @Test func journalRefusalIsError() {
        let h = Harness(durable: false)
        h.core.handle(
            RequestEnvelope(client: h.client, namespace: .unrestricted, request: Request(id: [], command: .set(job: b("a"), execution: 1)), format: .json),
            now: h.now)
        #expect(h.collect() == "")
        h.journal.fail(through: h.journal.lastSequence)
        #expect(h.collect() == " ERROR\n")
    }
}
