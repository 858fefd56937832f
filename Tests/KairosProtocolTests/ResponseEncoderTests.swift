import KairosProtocol
import Testing

@Suite("Response encoding (docs/protocol.md#answers, docs/protocol.md#listrules)")
struct ResponseEncoderTests {
    @Test("signed decimals", arguments: [
        (Int64(0), "0"), (-1, "-1"), (1, "1"), (9, "9"), (10, "10"), (-10, "-10"),
        (1_775_008_800_000_000_000, "1775008800000000000"),
        (.max, "9223372036854775807"), (.min, "-9223372036854775808"),
    ])
    func signedDecimal(_ value: Int64, _ text: String) {
        var out = bytes("x ")
        ResponseEncoder.appendDecimal(value, to: &out)
        #expect(out == bytes("x " + text))
    }

    @Test("unsigned decimals", arguments: [
        (UInt64(0), "0"), (7, "7"), (100, "100"),
        (UInt64(Int64.max) + 1, "9223372036854775808"), (.max, "18446744073709551615"),
    ])
    func unsignedDecimal(_ value: UInt64, _ text: String) {
        var out = Bytes()
        ResponseEncoder.appendDecimal(value, to: &out)
        #expect(out == bytes(text))
    }

    @Test("single-line shapes")
    func singleLines() {
        var out = Bytes()
        ResponseEncoder.appendOK(id: bytes("r1"), to: &out)
        ResponseEncoder.appendError(id: bytes("a b"), to: &out)
        ResponseEncoder.beginLine(id: bytes("r3"), to: &out)
        ResponseEncoder.append("OK planned", to: &out)
        ResponseEncoder.appendSpace(&out)
        ResponseEncoder.appendDecimal(Int64(1_775_008_800_000_000_000), to: &out)
        ResponseEncoder.endLine(&out)
        #expect(out == bytes("r1 OK\na b ERROR\nr3 OK planned 1775008800000000000\n"))
    }

    /// A whole LISTRULES record: `<id> <rule-id> <pattern> <kind> <fields>\n`.
    private func listRulesLine(_ id: String, _ rule: String, _ pattern: String, _ runner: RunnerSpec) -> Bytes {
        var out = Bytes()
        ResponseEncoder.beginLine(id: bytes(id), to: &out)
        out += bytes(rule)
        ResponseEncoder.appendSpace(&out)
        out += bytes(pattern)
        ResponseEncoder.appendSpace(&out)
        ResponseEncoder.appendRunner(runner, to: &out)
        ResponseEncoder.endLine(&out)
        return out
    }

    @Test("LISTRULES records of every kind")
    func runnerRecords() {
        let b = bytes
        let cases: [(RunnerSpec, String)] = [
            (.shell(command: b("/usr/bin/backup.sh --full")), "l1 rule.backup backup. shell /usr/bin/backup.sh --full\n"),
            (.http(method: b("POST"), url: b("https://hooks.example.com/x")), "l1 rule.backup backup. http POST https://hooks.example.com/x\n"),
            (.direct(executable: b("/usr/bin/curl"), args: [b("-s"), b("http://example.com")]),
             "l1 rule.backup backup. direct /usr/bin/curl -s http://example.com\n"),
            (.direct(executable: b("/bin/true"), args: []), "l1 rule.backup backup. direct /bin/true\n"),
            (.awf(workflow: b("generate-report"), inputs: [b("format=pdf"), b("target=main")]),
             "l1 rule.backup backup. awf generate-report --input format=pdf --input target=main\n"),
            (.awf(workflow: b("wf"), inputs: []), "l1 rule.backup backup. awf wf\n"),
            (.amqp(dsn: b("amqp://guest:guest@localhost:5672/"), exchange: b("jobs"), routingKey: b("notifications")),
             "l1 rule.backup backup. amqp amqp://guest:guest@localhost:5672/ jobs notifications\n"),
            (.redis(url: b("redis://127.0.0.1:6379/0"), command: b("PUBLISH"), key: b("events")),
             "l1 rule.backup backup. redis redis://127.0.0.1:6379/0 PUBLISH events\n"),
        ]
        for (runner, expected) in cases {
            #expect(listRulesLine("l1", "rule.backup", "backup.", runner) == bytes(expected), "\(runner.kindName)")
        }
    }

    /// docs/protocol.md#listrules's example, both lines exactly.
    @Test("LISTRULES example")
    func listRulesExample() {
        var out = listRulesLine("l1", "rule.backup", "backup.", .shell(command: bytes("/usr/bin/backup.sh --full")))
        out += listRulesLine("l1", "rule.hook", "deploy.", .http(method: bytes("POST"), url: bytes("https://hooks.example.com/x")))
        ResponseEncoder.appendOK(id: bytes("l1"), to: &out)
        #expect(out == bytes("""
            l1 rule.backup backup. shell /usr/bin/backup.sh --full
            l1 rule.hook deploy. http POST https://hooks.example.com/x
            l1 OK

            """))
    }

    /// the reference's conformance checklist item 8 under D-shell-tokens: what RULE SET parsed is what LISTRULES prints.
    @Test("RULE SET round trip to LISTRULES")
    func roundTrip() throws {
        let parsed = try #require(parseLine("r1 RULE SET x p. shell echo hi\n"))
        guard case .request(let request) = parsed, case .ruleSet(let rule, let pattern, let runner) = request.command else {
            Issue.record("not a RULE SET: \(parsed)")
            return
        }
        var out = listRulesLine("r2", String(decoding: rule, as: UTF8.self), String(decoding: pattern, as: UTF8.self), runner)
        ResponseEncoder.appendOK(id: bytes("r2"), to: &out)
        #expect(out == bytes("r2 x p. shell echo hi\nr2 OK\n"))
    }
}
