import KairosHTTP
import KairosProtocol
import Testing

/// `PUT /jobs/{id}` with `every`, `cron`, `timezone` and `retry` (issue 15): the same schedules
/// as the line protocol's `SET ... EVERY / CRON / TZ / RETRY`, refused with the same rules.
@Suite("HTTP recurring job bodies (issue 15)")
struct RecurringBodyTests {
    static let job = bytes("j")

    func put(_ body: String) -> HTTPAction { act("PUT", "/jobs/j", body: body) }

    func recurring(_ execution: Int64, _ recurrence: Recurrence) -> HTTPAction {
        forwarded(.setRecurring(job: Self.job, execution: execution, recurrence: recurrence), .body)
    }

    /// The exact 400 response for `message`.
    func refusal(_ message: String) -> String {
        let body = "{\"error\":\"\(message)\"}"
        return "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// The line protocol's parse of the same schedule, so both front ends are compared value for value.
    func lineProtocol(_ line: String) -> Command {
        let input = bytes(line + "\n")
        var tokens = TokenList()
        guard case .complete = input.withUnsafeBytes({ Tokenizer.next($0, into: &tokens) }),
            case .request(let request) = RequestParser.parse(tokens)
        else { return .malformed }
        return request.command
    }

    @Test func every() {
        #expect(put("{\"execution\":1000,\"every\":\"1h30m\"}") == recurring(1000, Recurrence(interval: 5_400_000_000_000, anchor: 1000)))
        #expect(put("{\"execution\":\"1970-01-01T00:00:01Z\",\"every\":\"90s\"}")
            == recurring(1_000_000_000, Recurrence(interval: 90_000_000_000, anchor: 1_000_000_000)))
        // The same value the line protocol's parser builds from the same text.
        guard case .setRecurring(_, let execution, let recurrence) = lineProtocol("r SET j 1000 EVERY 1d2h RETRY 3 1m") else {
            Issue.record("the line protocol refused its own example")
            return
        }
        #expect(put("{\"execution\":1000,\"every\":\"1d2h\",\"retry\":{\"count\":3,\"backoff\":\"1m\"}}")
            == recurring(execution, recurrence))
    }

    @Test func cron() {
        let daily = CronRule(expression: "30 2 * * *", zone: "Europe/Paris")!
        #expect(put("{\"cron\":\"30 2 * * *\",\"timezone\":\"Europe/Paris\"}") == recurring(0, Recurrence(cron: daily)))
        // execution is optional with cron, and ignored (the core computes the first run).
        #expect(put("{\"execution\":77,\"cron\":\"@daily\"}") == recurring(77, Recurrence(cron: CronRule(expression: "@daily", zone: "UTC")!)))
        #expect(put("{\"cron\":\"@hourly\",\"retry\":{\"count\":0}}") == recurring(0, Recurrence(cron: CronRule(expression: "@hourly", zone: "UTC")!)))
        guard case .setRecurring(_, _, let recurrence) = lineProtocol("r SET j CRON \"0 12 13 * 5\" TZ America/New_York RETRY 2 30s") else {
            Issue.record("the line protocol refused its own example")
            return
        }
        #expect(put("{\"cron\":\"0 12 13 * 5\",\"timezone\":\"America/New_York\",\"retry\":{\"count\":2.0,\"backoff\":\"30s\"}}")
            == recurring(0, recurrence))
    }

    @Test func plainPutStaysOneShot() {
        #expect(put("{\"execution\":5}") == forwarded(.set(job: Self.job, execution: 5), .setJob(Self.job, 5)))
    }

    @Test func refusals() {
        let cases: [(String, String)] = [
            ("{\"execution\":1,\"every\":\"90\"}", "invalid every"),
            ("{\"execution\":1,\"every\":\"0s\"}", "invalid every"),
            ("{\"execution\":1,\"every\":\"1m1h\"}", "invalid every"),
            ("{\"execution\":1,\"every\":\"\"}", "invalid every"),
            ("{\"execution\":1,\"every\":60}", "invalid every"),
            ("{\"execution\":1,\"every\":null}", "invalid every"),
            ("{\"every\":\"1m\"}", "invalid json"),
            ("{\"cron\":\"0 0 30 2 *\"}", "invalid cron"),
            ("{\"cron\":\"61 * * * *\"}", "invalid cron"),
            ("{\"cron\":5}", "invalid cron"),
            ("{\"cron\":\"@daily\",\"timezone\":\"Mars/Olympus\"}", "invalid timezone"),
            ("{\"cron\":\"@daily\",\"timezone\":1}", "invalid timezone"),
            ("{\"execution\":1,\"every\":\"1m\",\"cron\":\"@daily\"}", "every and cron exclude each other"),
            ("{\"execution\":1,\"timezone\":\"UTC\"}", "timezone needs cron"),
            ("{\"execution\":1,\"every\":\"1m\",\"timezone\":\"UTC\"}", "timezone needs cron"),
            ("{\"execution\":1,\"retry\":{\"count\":1}}", "retry needs every or cron"),
            ("{\"execution\":1,\"every\":\"1m\",\"retry\":{\"count\":65536}}", "invalid retry"),
            ("{\"execution\":1,\"every\":\"1m\",\"retry\":{\"count\":-1}}", "invalid retry"),
            ("{\"execution\":1,\"every\":\"1m\",\"retry\":{\"count\":1.5}}", "invalid retry"),
            ("{\"execution\":1,\"every\":\"1m\",\"retry\":{\"backoff\":\"1s\"}}", "invalid retry"),
            ("{\"execution\":1,\"every\":\"1m\",\"retry\":{\"count\":1,\"backoff\":\"500ms\"}}", "invalid retry"),
            ("{\"execution\":1,\"every\":\"1m\",\"retry\":{\"count\":1,\"backoff\":\"0s\"}}", "invalid retry"),
            ("{\"execution\":1,\"every\":\"1m\",\"retry\":3}", "invalid retry"),
            ("{\"execution\":\"soon\",\"cron\":\"@daily\"}", "invalid json"),
        ]
        for (body, message) in cases {
            #expect(framed(put(body)) == refusal(message), "\(body)")
        }
    }

    @Test func coreAnswers() {
        // A recurring PUT or GET is answered by the core with the whole object.
        let object = "{\"id\":\"j\",\"status\":\"planned\",\"execution\":5,\"every\":\"1m\"}"
        #expect(HTTPPending.body.response(to: bytes(object)) == HTTPResponse(status: 200, body: bytes(object)))
        #expect(HTTPPending.job(Self.job).response(to: bytes(object)) == HTTPResponse(status: 200, body: bytes(object)))
        #expect(HTTPPending.body.response(to: bytes(" ERROR\n")) == .error(503, "journal write failed"))
    }
}
