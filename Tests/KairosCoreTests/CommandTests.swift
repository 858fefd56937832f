@testable import KairosCore
import KairosProtocol
import KairosSync
import Testing

@Suite struct CommandTests {
    @Test func setGetRemoveBytes() {
        let h = Harness()
        h.core.restore(.rule(id: b("catch"), pattern: b("zzz"), runner: .shell(command: b("true"))))
        #expect(h.ask("r1", .set(job: b("a"), execution: 5_000)) == "r1 OK\n")
        #expect(h.ask("r2", .get(job: b("a"))) == "r2 OK planned 5000\n")
        #expect(h.ask("r3", .get(job: b("nope"))) == "r3 ERROR\n")
        #expect(h.ask("r4", .set(job: b("neg"), execution: -5)) == "r4 OK\n")
        #expect(h.ask("r5", .get(job: b("neg"))) == "r5 OK planned -5\n")
        #expect(h.ask("r6", .remove(job: b("a"))) == "r6 OK\n")
        #expect(h.ask("r7", .remove(job: b("a"))) == "r7 ERROR\n")
        #expect(h.ask("r8", .get(job: b("a"))) == "r8 ERROR\n")
        #expect(h.ask("r9", .malformed) == "r9 ERROR\n")
    }

    @Test func journalEntriesOfMutations() {
        let h = Harness()
        h.send("1", .set(job: b("a"), execution: 7))
        h.send("2", .ruleSet(rule: b("r"), pattern: b("a"), runner: .shell(command: b("x"))))
        h.send("3", .remove(job: b("a")))
        h.send("4", .remove(job: b("a")))
        h.send("5", .removeRule(rule: b("r")))
        h.send("6", .removeRule(rule: b("r")))
        h.send("7", .get(job: b("a")))
        h.send("8", .query(prefix: []))
        h.send("9", .listRules)
        h.send("10", .stat)
        h.send("11", .malformed)
        _ = h.collect()
        #expect(h.journal.entries.map(\.entry) == [
            .job(id: b("a"), execution: 7, status: .planned),
            .rule(id: b("r"), pattern: b("a"), runner: .shell(command: b("x"))),
            .jobRemoval(id: b("a")),
            .ruleRemoval(id: b("r")),
        ])
    }

    @Test func queryBytesSortedAndPrefixed() {
        let h = Harness()
        h.send("1", .set(job: b("backup.weekly"), execution: 20))
        h.send("2", .set(job: b("backup.daily"), execution: 10))
        h.send("3", .set(job: b("deploy.x"), execution: 30))
        h.send("4", .set(job: b("backup"), execution: 40))
        _ = h.collect()
        #expect(h.ask("q1", .query(prefix: b("backup."))) == "q1 backup.daily planned 10\nq1 backup.weekly planned 20\nq1 OK\n")
        #expect(h.ask("q2", .query(prefix: [])) == """
            q2 backup planned 40
            q2 backup.daily planned 10
            q2 backup.weekly planned 20
            q2 deploy.x planned 30
            q2 OK

            """)
        #expect(h.ask("q3", .query(prefix: b("zzz"))) == "q3 OK\n")
        #expect(Harness().ask("q", .query(prefix: [])) == "q OK\n")
    }

    @Test func listRulesEveryRunnerKind() {
        let h = Harness()
        let rules: [(String, String, RunnerSpec)] = [
            ("f.redis", "r.", .redis(url: b("redis://h/0"), command: b("PUBLISH"), key: b("k"))),
            ("a.shell", "backup.", .shell(command: b("/usr/bin/backup.sh --full"))),
            ("b.direct", "curl.", .direct(executable: b("/usr/bin/curl"), args: [b("-s"), b("http://e")])),
            ("c.awf", "rep.", .awf(workflow: b("gen"), inputs: [b("format=pdf"), b("t=main")])),
            ("d.http", "deploy.", .http(method: b("POST"), url: b("https://hooks/x"))),
            ("e.amqp", "", .amqp(dsn: b("amqp://g:g@h:5672/"), exchange: b("jobs"), routingKey: b("n"))),
            ("g.direct0", "d.", .direct(executable: b("/bin/true"), args: [])),
        ]
        for (index, rule) in rules.enumerated() {
            #expect(h.ask("s\(index)", .ruleSet(rule: b(rule.0), pattern: b(rule.1), runner: rule.2)) == "s\(index) OK\n")
        }
        #expect(h.ask("l1", .listRules) == """
            l1 a.shell backup. shell /usr/bin/backup.sh --full
            l1 b.direct curl. direct /usr/bin/curl -s http://e
            l1 c.awf rep. awf gen --input format=pdf --input t=main
            l1 d.http deploy. http POST https://hooks/x
            l1 e.amqp  amqp amqp://g:g@h:5672/ jobs n
            l1 f.redis r. redis redis://h/0 PUBLISH k
            l1 g.direct0 d. direct /bin/true
            l1 OK

            """)
        #expect(h.ask("x", .ruleSet(rule: b("a.shell"), pattern: b("p."), runner: .shell(command: b("echo")))) == "x OK\n")
        #expect(h.ask("y", .removeRule(rule: b("b.direct"))) == "y OK\n")
        #expect(h.ask("z", .removeRule(rule: b("b.direct"))) == "z ERROR\n")
        #expect(h.ask("l2", .listRules).hasPrefix("l2 a.shell p. shell echo\nl2 c.awf "))
        #expect(Harness().ask("l", .listRules) == "l OK\n")
    }

    @Test func statExactLines() {
        let h = Harness(startedAt: 400, framerate: 512)
        h.stats.connections.store(3, ordering: .relaxed)
        h.stats.executionsPending.store(2, ordering: .relaxed)
        h.stats.executionsInflight.store(5, ordering: .relaxed)
        h.stats.compression.store(CompressionState.running.rawValue, ordering: .relaxed)
        h.core.restore(.rule(id: b("r"), pattern: b("t."), runner: .shell(command: b("x"))))
        h.send("1", .set(job: b("t.a"), execution: 0))
        h.send("2", .set(job: b("t.b"), execution: 10))
        h.send("3", .set(job: b("u"), execution: 0))
        h.send("4", .set(job: b("later"), execution: 1_000_000))
        _ = h.collect()
        _ = h.tick(at: 5)
        h.core.applyOutcome(ExecutionOutcome(jobID: b("t.a"), generation: 1, success: true))
        h.now = 60_000_000_400
        #expect(h.ask("s", .stat) == """
            s uptime_ns 60000000000
            s connections 3
            s jobs_total 4
            s jobs_planned 2
            s jobs_triggered 0
            s jobs_executed 1
            s jobs_failed 1
            s rules_total 1
            s executions_pending 2
            s executions_inflight 5
            s persistence logfile
            s compression running
            s auth_enabled 0
            s tls_enabled 0
            s framerate 512
            s OK

            """)
    }

    @Test func statConfigFlagsAndIdWithSpace() {
        let journal = MemoryJournal()
        let config = CoreConfig(framerate: 65535, persistenceName: "memory", authEnabled: true, tlsEnabled: true, startedAtWallNs: 10)
        let core = SchedulerCore(config: config, journal: journal, stats: ServerStats())
        core.handle(RequestEnvelope(client: ClientTag(slot: 0, generation: 0), namespace: .prefix(b("x.")), request: Request(id: b("a b"), command: .stat)), now: 5)
        var out: [UInt8] = []
        core.collectResponses { out += $0.bytes }
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 16)
        #expect(lines.allSatisfy { $0.hasPrefix("a b ") })
        #expect(lines[0] == "a b uptime_ns 0")
        #expect(lines[10] == "a b persistence memory")
        #expect(lines[11] == "a b compression idle")
        #expect(lines[12] == "a b auth_enabled 1")
        #expect(lines[13] == "a b tls_enabled 1")
        #expect(lines[14] == "a b framerate 65535")
    }

    @Test func neighbouringAnswersForOneClientShareAnEnvelope() {
        let h = Harness()
        let other = ClientTag(slot: 9, generation: 4)
        h.send("1", .set(job: b("a"), execution: 4_102_444_800_000_000_000))
        h.send("2", .get(job: b("a")))
        h.send("3", .remove(job: b("missing")))
        h.send("4", .stat, client: other)
        h.send("5", .set(job: b("b"), execution: 7))
        let released = h.collectEnvelopes()
        #expect(released.map(\.client) == [h.client, other, h.client])
        #expect(released.map(\.count) == [3, 1, 1])
        #expect(released[0].bytes == b("1 OK\n2 OK planned 4102444800000000000\n3 ERROR\n"))
        #expect(released[2].bytes == b("5 OK\n"))
    }

    @Test func responsesCarryTheirClient() {
        let h = Harness()
        let other = ClientTag(slot: 9, generation: 4)
        h.send("1", .stat, client: other)
        h.send("2", .get(job: b("x")))
        let released = h.collectEnvelopes()
        #expect(released.map(\.client) == [other, h.client])
        #expect(released[1].bytes == b("2 ERROR\n"))
    }
}
