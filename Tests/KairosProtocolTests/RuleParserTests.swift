import KairosProtocol
import Testing

/// The part of a `RULE SET` line after the pattern, and the runner it must give
/// (`nil` = `<id> ERROR`).
struct RuleCase: Sendable, CustomTestStringConvertible {
    var spec: String
    var expected: RunnerSpec?

    init(_ spec: String, _ expected: RunnerSpec?) {
        self.spec = spec
        self.expected = expected
    }

    var testDescription: String { spec.debugDescription }
}

private func b(_ text: String) -> Bytes { bytes(text) }

@Suite("RULE SET runner specs (docs/protocol.md#rule-kinds, D-shell-tokens)")
struct RuleParserTests {
    static let shell: [RuleCase] = [
        RuleCase("shell", nil),
        RuleCase("shell true", .shell(command: b("true"))),
        RuleCase("shell \"/usr/bin/backup.sh --full\"", .shell(command: b("/usr/bin/backup.sh --full"))),
        RuleCase("shell \"exit 3\"", .shell(command: b("exit 3"))),
        // D-shell-tokens: the remaining tokens joined by one space, instead of docs/compatibility.md#d-shell-tokens's silent drop.
        RuleCase("shell echo hello", .shell(command: b("echo hello"))),
        RuleCase("shell echo   hi  there", .shell(command: b("echo hi there"))),
        RuleCase("shell \"a  b\" c", .shell(command: b("a  b c"))),
        RuleCase("shell \"\"", .shell(command: [])),
        RuleCase("SHELL true", nil),
    ]

    static let direct: [RuleCase] = [
        RuleCase("direct", nil),
        RuleCase("direct /bin/true", .direct(executable: b("/bin/true"), args: [])),
        RuleCase("direct /usr/bin/curl -s http://example.com",
                 .direct(executable: b("/usr/bin/curl"), args: [b("-s"), b("http://example.com")])),
        RuleCase("direct /bin/echo \"a b\" \"\"", .direct(executable: b("/bin/echo"), args: [b("a b"), []])),
    ]

    static let awf: [RuleCase] = [
        RuleCase("awf", nil),
        RuleCase("awf wf", .awf(workflow: b("wf"), inputs: [])),
        RuleCase("awf wf --input", nil),
        RuleCase("awf wf --input a=b", .awf(workflow: b("wf"), inputs: [b("a=b")])),
        RuleCase("awf generate-report --input format=pdf --input target=main",
                 .awf(workflow: b("generate-report"), inputs: [b("format=pdf"), b("target=main")])),
        RuleCase("awf wf --input a=b extra", nil),
        RuleCase("awf wf --input a=b --input", nil),
        RuleCase("awf wf --flag a=b", nil),
        RuleCase("awf wf --INPUT a=b", nil),
        RuleCase("awf wf -input a=b", nil),
        RuleCase("awf wf a=b --input", nil),
        // The pair's second element is taken as it is, whatever it looks like.
        RuleCase("awf wf --input --input", .awf(workflow: b("wf"), inputs: [b("--input")])),
    ]

    static let http: [RuleCase] = [
        RuleCase("http", nil),
        RuleCase("http GET", nil),
        RuleCase("http GET http://x", .http(method: b("GET"), url: b("http://x"))),
        RuleCase("http POST https://hooks.example.com/x", .http(method: b("POST"), url: b("https://hooks.example.com/x"))),
        RuleCase("http PUT http://a", .http(method: b("PUT"), url: b("http://a"))),
        RuleCase("http DELETE https://a extra tokens", .http(method: b("DELETE"), url: b("https://a"))),
        RuleCase("http GET http://", .http(method: b("GET"), url: b("http://"))),
        RuleCase("http PATCH https://x", nil),
        RuleCase("http get http://x", nil),
        RuleCase("http HEAD http://x", nil),
        RuleCase("http GET ftp://x", nil),
        RuleCase("http GET HTTP://x", nil),
        RuleCase("http GET http:/x", nil),
        RuleCase("http GET x http://y", nil),
        RuleCase("http http://x GET", nil),
    ]

    static let amqp: [RuleCase] = [
        RuleCase("amqp", nil),
        RuleCase("amqp amqp://h/ jobs", nil),
        RuleCase("amqp amqp://guest:guest@localhost:5672/ jobs notifications",
                 .amqp(dsn: b("amqp://guest:guest@localhost:5672/"), exchange: b("jobs"), routingKey: b("notifications"))),
        RuleCase("amqp not-a-dsn ex rk extra", .amqp(dsn: b("not-a-dsn"), exchange: b("ex"), routingKey: b("rk"))),
    ]

    static let redis: [RuleCase] = [
        RuleCase("redis", nil),
        RuleCase("redis redis://h/0 PUBLISH", nil),
        RuleCase("redis redis://127.0.0.1:6379/0 FLUSHALL k", nil),
        RuleCase("redis redis://h/0 PUBLISH chan", .redis(url: b("redis://h/0"), command: b("PUBLISH"), key: b("chan"))),
        RuleCase("redis redis://h/0 RPUSH q", .redis(url: b("redis://h/0"), command: b("RPUSH"), key: b("q"))),
        RuleCase("redis redis://h/0 LPUSH q extra", .redis(url: b("redis://h/0"), command: b("LPUSH"), key: b("q"))),
        RuleCase("redis redis://h/0 SET k", .redis(url: b("redis://h/0"), command: b("SET"), key: b("k"))),
        RuleCase("redis redis://h/0 publish k", nil),
        // D-network-runners: rediss:// (TLS) is accepted; other schemes still are not.
        RuleCase("redis rediss://h PUBLISH k", .redis(url: b("rediss://h"), command: b("PUBLISH"), key: b("k"))),
        RuleCase("redis redisx://h PUBLISH k", nil),
        RuleCase("redis http://h PUBLISH k", nil),
        RuleCase("redis REDIS://h PUBLISH k", nil),
    ]

    static let kinds: [RuleCase] = [
        RuleCase("ftp x", nil),
        RuleCase("Shell x", nil),
        RuleCase("\"shell \" x", nil),
    ]

    @Test("kinds and their arguments", arguments: shell + direct + awf + http + amqp + redis + kinds)
    func runnerSpecs(_ testCase: RuleCase) {
        let parsed = parseLine("r1 RULE SET rule.id prefix. \(testCase.spec)\n")
        let command: Command = testCase.expected.map {
            .ruleSet(rule: b("rule.id"), pattern: b("prefix."), runner: $0)
        } ?? .malformed
        #expect(parsed == request("r1", command))
    }

    /// docs/protocol.md#rule-kinds's example block (rule g under D-shell-tokens).
    @Test("specification examples")
    func examples() {
        let lines: [(String, Command)] = [
            ("a RULE SET rule.backup backup. shell \"/usr/bin/backup.sh --full\"\n",
             .ruleSet(rule: b("rule.backup"), pattern: b("backup."), runner: .shell(command: b("/usr/bin/backup.sh --full")))),
            ("b RULE SET rule.curl curl. direct /usr/bin/curl -s http://example.com\n",
             .ruleSet(rule: b("rule.curl"), pattern: b("curl."),
                      runner: .direct(executable: b("/usr/bin/curl"), args: [b("-s"), b("http://example.com")]))),
            ("c RULE SET rule.rep report. awf generate-report --input format=pdf --input target=main\n",
             .ruleSet(rule: b("rule.rep"), pattern: b("report."),
                      runner: .awf(workflow: b("generate-report"), inputs: [b("format=pdf"), b("target=main")]))),
            ("d RULE SET rule.hook deploy. http PATCH https://x\n", .malformed),
            ("e RULE SET rule.q q. amqp amqp://guest:guest@localhost:5672/ jobs notifications\n",
             .ruleSet(rule: b("rule.q"), pattern: b("q."),
                      runner: .amqp(dsn: b("amqp://guest:guest@localhost:5672/"), exchange: b("jobs"), routingKey: b("notifications")))),
            ("f RULE SET rule.r r. redis redis://127.0.0.1:6379/0 FLUSHALL k\n", .malformed),
            ("g RULE SET rule.s s. shell echo hello\n",
             .ruleSet(rule: b("rule.s"), pattern: b("s."), runner: .shell(command: b("echo hello")))),
        ]
        for (line, command) in lines {
            let id = String(line.prefix(1))
            #expect(parseLine(line) == request(id, command), "\(line.debugDescription)")
        }
    }

    /// The pattern is a literal prefix and may be empty; the rule id may be quoted.
    @Test("rule id and pattern are taken literally")
    func literalFields() {
        #expect(parseLine("r1 RULE SET \"my rule\" \"\" shell x\n")
                == request("r1", .ruleSet(rule: b("my rule"), pattern: [], runner: .shell(command: b("x")))))
        #expect(parseLine("r1 RULE SET r * shell x\n")
                == request("r1", .ruleSet(rule: b("r"), pattern: b("*"), runner: .shell(command: b("x")))))
        #expect(parseLine("r1 RULE SET r p shell x\r\n")
                == request("r1", .ruleSet(rule: b("r"), pattern: b("p"), runner: .shell(command: b("x")))))
    }
}
