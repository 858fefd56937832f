import KairosProtocol
import Testing

/// One request line and how it must be recognized.
struct LineCase: Sendable, CustomTestStringConvertible {
    var line: Bytes
    var expected: ParsedLine

    init(_ line: String, _ expected: ParsedLine) {
        self.line = bytes(line)
        self.expected = expected
    }

    var testDescription: String { String(decoding: line, as: UTF8.self).debugDescription }
}

@Suite("Request recognition (docs/protocol.md#instructions, docs/protocol.md#instructions, docs/protocol.md#reaction-summary, the reference's conformance checklist)")
struct RequestParserTests {
    static let recognized: [LineCase] = [
        // docs/protocol.md#instructions examples.
        LineCase("r1 SET backup.daily 2026-04-01 02:00:00\n",
                 request("r1", .set(job: bytes("backup.daily"), execution: 1_775_008_800_000_000_000))),
        LineCase("r2 SET backup.weekly 1775008800000000000\n",
                 request("r2", .set(job: bytes("backup.weekly"), execution: 1_775_008_800_000_000_000))),
        LineCase("r3 GET backup.daily\n", request("r3", .get(job: bytes("backup.daily")))),
        LineCase("r4 GET nope\n", request("r4", .get(job: bytes("nope")))),
        LineCase("q1 QUERY backup.\n", request("q1", .query(prefix: bytes("backup.")))),
        LineCase("l1 LISTRULES\n", request("l1", .listRules)),
        LineCase("s1 STAT\n", request("s1", .stat)),
        LineCase("r6 REMOVE backup.daily\n", request("r6", .remove(job: bytes("backup.daily")))),
        LineCase("r7 REMOVERULE rule.backup\n", request("r7", .removeRule(rule: bytes("rule.backup")))),
        LineCase("r1 RULE SET rule.backup backup. shell \"/bin/echo done\"\n",
                 request("r1", .ruleSet(rule: bytes("rule.backup"), pattern: bytes("backup."),
                                        runner: .shell(command: bytes("/bin/echo done"))))),
        // Surplus arguments are ignored.
        LineCase("r1 GET a b\n", request("r1", .get(job: bytes("a")))),
        LineCase("r1 QUERY p extra\n", request("r1", .query(prefix: bytes("p")))),
        LineCase("r1 REMOVE a b\n", request("r1", .remove(job: bytes("a")))),
        LineCase("r1 REMOVERULE a b\n", request("r1", .removeRule(rule: bytes("a")))),
        LineCase("l1 LISTRULES extra\n", request("l1", .listRules)),
        LineCase("s1 STAT extra tokens\n", request("s1", .stat)),
        LineCase("r1 SET a 5 6\n", request("r1", .set(job: bytes("a"), execution: 5))),
        // Quoted operands and empty ones.
        LineCase("r1 QUERY \"\"\n", request("r1", .query(prefix: []))),
        LineCase("r1 GET \"\"\n", request("r1", .get(job: []))),
        LineCase("r1 SET \"a b\" 5\n", request("r1", .set(job: bytes("a b"), execution: 5))),
        LineCase("r1 REMOVE \"\"\n", request("r1", .remove(job: []))),
        // The id is echoed after unquoting; it is never interpreted.
        LineCase("\"req 7\" STAT\n", request("req 7", .stat)),
        LineCase("\"x\\\"y\" STAT\n", request("x\"y", .stat)),
        LineCase("\"\" STAT\n", request("", .stat)),
        LineCase("SET STAT\n", request("SET", .stat)),
        LineCase("AUTH STAT\n", request("AUTH", .stat)),
        // D-crlf: CRLF clients are understood.
        LineCase("r1 STAT\r\n", request("r1", .stat)),
        LineCase("r1 SET j 5\r\n", request("r1", .set(job: bytes("j"), execution: 5))),
        LineCase("r1 SET j 1775008800000000000\r\n", request("r1", .set(job: bytes("j"), execution: 1_775_008_800_000_000_000))),
        LineCase("r1 GET \"a\"\r\n", request("r1", .get(job: bytes("a")))),
        // Recognized but malformed: `<id> ERROR`.
        LineCase("r1 REMOVE\n", request("r1", .malformed)),
        LineCase("r1 REMOVERULE\n", request("r1", .malformed)),
        LineCase("r1 RULE SET\n", request("r1", .malformed)),
        LineCase("r1 RULE SET x\n", request("r1", .malformed)),
        LineCase("r1 RULE SET x p.\n", request("r1", .malformed)),
        LineCase("r1 SET a tomorrow\n", request("r1", .malformed)),
        LineCase("r1 SET a 2026-04-01\n", request("r1", .malformed)),
        LineCase("r1 SET a 2026-02-31 00:00:00\n", request("r1", .malformed)),
        LineCase("r1 SET a 2262-04-12 00:00:00\n", request("r1", .malformed)),
        LineCase("r1 SET a \"\"\n", request("r1", .malformed)),
        LineCase("r1 SET a 5\r\r\n", request("r1", .malformed)),
    ]

    static let silent: [LineCase] = [
        LineCase("r1 GET\n", .silent),
        LineCase("r1 SET\n", .silent),
        LineCase("r1 SET a\n", .silent),
        LineCase("r1 SET a \r\n", .silent),
        LineCase("r1 FOO\n", .silent),
        LineCase("r4 FOO\n", .silent),
        LineCase("r1 set a 5\n", .silent),
        LineCase("r1 get a\n", .silent),
        LineCase("r1 Get a\n", .silent),
        LineCase("r1 stat\n", .silent),
        LineCase("r1 STATS\n", .silent),
        LineCase("r1 STA\n", .silent),
        LineCase("r1 query\n", .silent),
        LineCase("r1 listrules\n", .silent),
        LineCase("r1 remove a\n", .silent),
        LineCase("r1 \"STAT \"\n", .silent),
        LineCase("r1 STAT\r\r\n", .silent),
        LineCase("r1 STAT\t\n", .silent),
        LineCase("r1 RULE\n", .silent),
        LineCase("r1 RULE GET x p shell y\n", .silent),
        LineCase("r1 RULE set x p shell y\n", .silent),
        LineCase("r1 RULES SET x p shell y\n", .silent),
        // AUTH outside the AUTH phase (docs/protocol.md#authentication): either the id or an unknown keyword.
        LineCase("AUTH sk_secret\n", .silent),
        LineCase("r1 AUTH sk_secret\n", .silent),
    ]

    @Test("recognized", arguments: recognized)
    func recognizedLines(_ testCase: LineCase) {
        #expect(parseLine(testCase.line) == testCase.expected)
    }

    @Test("silent", arguments: silent)
    func silentLines(_ testCase: LineCase) {
        #expect(parseLine(testCase.line) == testCase.expected)
    }

    /// docs/protocol.md#reaction-summary's first row and the reference's conformance checklist item 5: these never reach the parser.
    @Test("dropped before parsing", arguments: ["r1\n", "\n", "   \n", "r1\r\n", "AUTH\n"])
    func dropped(_ line: String) {
        #expect(tokenize(bytes(line)).0 == .invalid(consumed: bytes(line).count))
    }

    /// the reference's conformance checklist items 1-11 as far as the parser decides them.
    @Test("conformance checklist")
    func checklist() {
        #expect(parseLine("r1 STAT\n") == request("r1", .stat))
        #expect(parseLine("r1 SET a 5\n") == request("r1", .set(job: bytes("a"), execution: 5)))
        #expect(parseLine("r2 GET a\n") == request("r2", .get(job: bytes("a"))))
        #expect(parseLine("r1 SET a 2099-12-31 23:59:59\n")
                == request("r1", .set(job: bytes("a"), execution: 4_102_444_799_000_000_000)))
        // Item 4 under D-bad-timestamps: a quoted date-time is one token, so ERROR rather than 0.
        #expect(parseLine("r1 SET a \"2026-03-30 14:00:00\"\n") == request("r1", .malformed))
        for line in ["r1 GET\n", "r1 SET a\n", "r1 FOO\n"] {
            #expect(parseLine(line) == .silent, "\(line.debugDescription)")
        }
        #expect(parseLine("r1 REMOVE\n") == request("r1", .malformed))
        #expect(parseLine("r1 RULE SET x\n") == request("r1", .malformed))
        #expect(parseLine("r1 QUERY\n") == request("r1", .query(prefix: [])))
        // Item 8 under D-shell-tokens.
        #expect(parseLine("r1 RULE SET x p. shell echo hi\n")
                == request("r1", .ruleSet(rule: bytes("x"), pattern: bytes("p."), runner: .shell(command: bytes("echo hi")))))
        #expect(parseLine("r2 LISTRULES\n") == request("r2", .listRules))
        #expect(parseLine("r1 RULE SET x p. awf wf --input\n") == request("r1", .malformed))
        #expect(parseLine("r1 RULE SET x p. awf wf --input a=b\n")
                == request("r1", .ruleSet(rule: bytes("x"), pattern: bytes("p."), runner: .awf(workflow: bytes("wf"), inputs: [bytes("a=b")]))))
        #expect(parseLine("r1 RULE SET x p. redis redis://h/0 PUBLISH\n") == request("r1", .malformed))
        #expect(parseLine("\"a b\" STAT\n") == request("a b", .stat))
    }

    /// the reference's conformance checklist item 13: one buffer, four requests, one pass; r3 is silent.
    @Test("pipelined buffer")
    func pipelined() {
        let parsed = parseAll(bytes("r1 SET a 1\nr2 GET a\nr3 GET\nr4 REMOVE a\n"))
        #expect(parsed.map(\.end) == [11, 20, 27, 39])
        #expect(parsed.map(\.line) == [
            request("r1", .set(job: bytes("a"), execution: 1)),
            request("r2", .get(job: bytes("a"))),
            .silent,
            request("r4", .remove(job: bytes("a"))),
        ])
    }

    /// docs/protocol.md#example-session: the example session's requests, with r4 unanswered.
    @Test("example session")
    func exampleSession() {
        let session = bytes("""
            r1 RULE SET rule.backup backup. shell "/bin/echo done"
            r2 SET backup.daily 2026-04-01 02:00:00
            r3 GET backup.daily
            r4 FOO
            r5 QUERY backup.
            r6 REMOVE backup.daily
            r7 REMOVERULE rule.backup
            r8 REMOVE backup.daily

            """)
        let parsed = parseAll(session)
        #expect(parsed.last?.end == session.count)
        #expect(parsed.map(\.line) == [
            request("r1", .ruleSet(rule: bytes("rule.backup"), pattern: bytes("backup."), runner: .shell(command: bytes("/bin/echo done")))),
            request("r2", .set(job: bytes("backup.daily"), execution: 1_775_008_800_000_000_000)),
            request("r3", .get(job: bytes("backup.daily"))),
            .silent,
            request("r5", .query(prefix: bytes("backup."))),
            request("r6", .remove(job: bytes("backup.daily"))),
            request("r7", .removeRule(rule: bytes("rule.backup"))),
            request("r8", .remove(job: bytes("backup.daily"))),
        ])
    }
}
