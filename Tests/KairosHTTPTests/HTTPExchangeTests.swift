import KairosHTTP
import KairosProtocol
import Testing

/// A head as the parser would produce it.
func request(_ method: String, _ target: String, body: String? = nil, authorization: String? = nil) -> HTTPHead {
    HTTPHead(
        method: bytes(method), target: bytes(target), isHTTP11: true, contentLength: body.map { $0.utf8.count },
        keepAlive: true, authorization: authorization.map(bytes))
}

func act(_ method: String, _ target: String, body: String? = nil, auth: HTTPAuth = .disabled, authorization: String? = nil)
    -> HTTPAction
{
    HTTPExchange.action(
        head: request(method, target, body: body, authorization: authorization), body: bytes(body ?? ""), auth: auth)
}

/// The framed bytes of an immediate response.
func framed(_ action: HTTPAction, keepAlive: Bool = true) -> String {
    guard case .respond(let response) = action else { return "forwarded: \(action)" }
    return text(response.bytes(keepAlive: keepAlive))
}

func forwarded(_ command: Command, _ pending: HTTPPending, namespace: Namespace = .unrestricted) -> HTTPAction {
    .forward(Request(id: [], command: command), pending, namespace: namespace)
}

@Suite("HTTP routing and bodies (docs/protocol.md#http-api, D-http-api)")
struct HTTPExchangeTests {
    @Test func health() {
        #expect(framed(act("GET", "/health")) == "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{\"status\":\"ok\"}")
        #expect(framed(act("GET", "/health"), keepAlive: false) == "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\nconnection: close\r\n\r\n{\"status\":\"ok\"}")
        #expect(framed(act("POST", "/health")) == "HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json\r\ncontent-length: 30\r\nallow: GET\r\n\r\n{\"error\":\"method not allowed\"}")
    }

    @Test func routes() {
        #expect(act("GET", "/stat") == forwarded(.stat, .body))
        #expect(act("GET", "/metrics") == .scrapeMetrics)
        #expect(framed(act("POST", "/metrics")).hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(text(HTTPExchange.metricsResponse(bytes("a 1\n")).bytes(keepAlive: true)) == "HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4; charset=utf-8\r\ncontent-length: 4\r\n\r\na 1\n")
        #expect(act("GET", "/jobs") == forwarded(.query(prefix: []), .listing))
        #expect(act("GET", "/jobs?prefix=a%20b&x=1") == forwarded(.query(prefix: bytes("a b")), .listing))
        #expect(act("GET", "/jobs?x=1&prefix=a+b") == forwarded(.query(prefix: bytes("a+b")), .listing))
        #expect(act("GET", "/rules?prefix=r.") == forwarded(.queryRules(prefix: bytes("r.")), .listing))
        #expect(act("GET", "/jobs/a%2Fb/c%0A") == forwarded(.get(job: bytes("a/b/c\n")), .job(bytes("a/b/c\n"))))
        #expect(act("GET", "/jobs/%FF") == forwarded(.get(job: [0xFF]), .job([0xFF])))
        #expect(act("DELETE", "/jobs/a?x") == forwarded(.remove(job: bytes("a")), .deletion))
        #expect(act("GET", "/rules/r1") == forwarded(.getRule(rule: bytes("r1")), .body))
        #expect(act("DELETE", "/rules/r1") == forwarded(.removeRule(rule: bytes("r1")), .deletion))
    }

    @Test func routeErrors() {
        let notFound = "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 21\r\n\r\n{\"error\":\"not found\"}"
        let missingID = "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 31\r\n\r\n{\"error\":\"missing resource id\"}"
        #expect(framed(act("GET", "/nope")) == notFound)
        #expect(framed(act("GET", "/")) == notFound)
        #expect(framed(act("POST", "/openapi.json")).hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(framed(act("POST", "/rules/r1")) == notFound)  // the reference's 404, kept
        #expect(framed(act("GET", "/jobs/")) == missingID)
        #expect(framed(act("GET", "/jobsX")) == missingID)
        #expect(framed(act("PUT", "/rules/")) == missingID)
        #expect(framed(act("PATCH", "/jobs/a")).hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(framed(act("PATCH", "/jobs/a")).contains("allow: GET, PUT, DELETE\r\n"))
        #expect(framed(act("get", "/jobs")).hasPrefix("HTTP/1.1 405 "))
        #expect(framed(act("PUT", "/jobs")).hasPrefix("HTTP/1.1 405 "))
        #expect(framed(act("GET", "/jobs/a%2")) == "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 23\r\n\r\n{\"error\":\"bad request\"}")
        #expect(framed(act("GET", "/jobs?prefix=%zz")).hasPrefix("HTTP/1.1 400 "))
    }

    @Test func jobBodies() {
        #expect(act("PUT", "/jobs/j", body: "{\"execution\":\"2099-12-31T23:59:59Z\"}")
            == forwarded(.set(job: bytes("j"), execution: 4_102_444_799_000_000_000), .setJob(bytes("j"), 4_102_444_799_000_000_000)))
        #expect(act("PUT", "/jobs/j", body: "{\"execution\":\"1970-01-01T01:00:00.5+01:00\",\"other\":[1]}")
            == forwarded(.set(job: bytes("j"), execution: 500_000_000), .setJob(bytes("j"), 500_000_000)))
        #expect(act("PUT", "/jobs/j", body: "{\"execution\":-5}") == forwarded(.set(job: bytes("j"), execution: -5), .setJob(bytes("j"), -5)))
        let invalid = "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 24\r\n\r\n{\"error\":\"invalid json\"}"
        for body in ["", "{}", "{\"execution\":\"2026-02-30T00:00:00Z\"}", "{\"execution\":\"2026-01-01T00:00:00\"}",
                     "{\"execution\":1.5}", "{\"execution\":null}", "{\"execution\":9223372036854775808}", "[1]", "{\"execution\":1"] {
            #expect(framed(act("PUT", "/jobs/j", body: body)) == invalid, "\(body)")
        }
        // No Content-Length at all.
        let missing = HTTPExchange.action(head: request("PUT", "/jobs/j"), body: [], auth: .disabled)
        #expect(framed(missing) == "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 34\r\n\r\n{\"error\":\"missing content-length\"}")
    }

    @Test func ruleBodies() {
        func put(_ body: String) -> HTTPAction { act("PUT", "/rules/r", body: body) }
        func rule(_ pattern: String, _ runner: RunnerSpec) -> HTTPAction {
            forwarded(.ruleSet(rule: bytes("r"), pattern: bytes(pattern), runner: runner), .setRule(bytes("r"), pattern: bytes(pattern), runner: runner))
        }
        #expect(put("{\"pattern\":\"p.\",\"runner\":\"shell\",\"args\":[\"echo hi\"]}") == rule("p.", .shell(command: bytes("echo hi"))))
        #expect(put("{\"pattern\":\"p.\",\"runner\":\"shell\",\"args\":[]}") == rule("p.", .shell(command: [])))
        #expect(put("{\"pattern\":\"p.\",\"runner\":\"direct\",\"args\":[\"/bin/echo\",\"a b\"]}") == rule("p.", .direct(executable: bytes("/bin/echo"), args: [bytes("a b")])))
        #expect(put("{\"pattern\":\"\",\"runner\":\"awf\",\"args\":[\"wf\",\"--input\",\"k=v\"]}") == rule("", .awf(workflow: bytes("wf"), inputs: [bytes("k=v")])))
        #expect(put("{\"pattern\":\"p\",\"runner\":\"http\",\"args\":[\"POST\",\"https://h/x\"]}") == rule("p", .http(method: bytes("POST"), url: bytes("https://h/x"))))
        #expect(put("{\"pattern\":\"p\",\"runner\":\"amqp\",\"args\":[\"amqp://h\",\"ex\",\"rk\"]}") == rule("p", .amqp(dsn: bytes("amqp://h"), exchange: bytes("ex"), routingKey: bytes("rk"))))
        #expect(put("{\"pattern\":\"p\",\"runner\":\"redis\",\"args\":[\"redis://h/0\",\"PUBLISH\",\"ch\"]}") == rule("p", .redis(url: bytes("redis://h/0"), command: bytes("PUBLISH"), key: bytes("ch"))))
        func refused(_ body: String, _ message: String) {
            guard case .respond(let response) = put(body) else { Issue.record("forwarded: \(body)"); return }
            #expect(response.status == 400)
            #expect(text(response.body) == "{\"error\":\"\(message)\"}")
        }
        refused("{\"pattern\":\"p\",\"runner\":\"awf\",\"args\":[]}", "missing workflow argument")
        refused("{\"pattern\":\"p\",\"runner\":\"awf\",\"args\":[\"wf\",\"--input\"]}", "invalid awf runner arguments")
        refused("{\"pattern\":\"p\",\"runner\":\"http\",\"args\":[\"GET\",\"ftp://x\"]}", "invalid http runner arguments")
        refused("{\"pattern\":\"p\",\"runner\":\"redis\",\"args\":[\"redis://h\",\"DEL\",\"k\"]}", "invalid redis runner arguments")
        refused("{\"pattern\":\"p\",\"runner\":\"amqp\",\"args\":[\"amqp://h\"]}", "invalid amqp runner arguments")
        refused("{\"pattern\":\"p\",\"runner\":\"cron\",\"args\":[]}", "unsupported runner type")
        refused("{\"pattern\":\"p\",\"runner\":\"shell\"}", "invalid json")
        refused("{\"pattern\":1,\"runner\":\"shell\",\"args\":[]}", "invalid json")
        refused("{\"pattern\":\"p\",\"runner\":\"shell\",\"args\":[1]}", "invalid json")
    }

    @Test func bearerAuth() {
        let auth = HTTPAuth.required(verify: { secret in
            switch text(secret) {
            case "all": .unrestricted
            case "dep": .prefix(bytes("deploy."))
            default: nil
            }
        })
        let unauthorized = "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 24\r\nwww-authenticate: Bearer\r\n\r\n{\"error\":\"unauthorized\"}"
        #expect(framed(act("GET", "/jobs", auth: auth)) == unauthorized)
        #expect(framed(act("GET", "/nope", auth: auth)) == unauthorized)
        #expect(framed(act("GET", "/stat", auth: auth, authorization: "Bearer nope")) == unauthorized)
        #expect(framed(act("GET", "/stat", auth: auth, authorization: "Basic all")) == unauthorized)
        #expect(framed(act("GET", "/stat", auth: auth, authorization: "Bearer ")) == unauthorized)
        #expect(framed(act("GET", "/health", auth: auth)).hasPrefix("HTTP/1.1 200 OK"))
        #expect(act("GET", "/openapi.json", auth: auth) == .respond(HTTPResponse(status: 200, body: OpenAPIDocument.json)))
        #expect(act("GET", "/stat", auth: auth, authorization: "bearer  all") == forwarded(.stat, .body))
        #expect(framed(act("GET", "/metrics", auth: auth)) == unauthorized)
        #expect(act("GET", "/metrics", auth: auth, authorization: "Bearer dep") == .scrapeMetrics)
        #expect(act("GET", "/stat", auth: auth, authorization: "Bearer dep") == forwarded(.stat, .body, namespace: .prefix(bytes("deploy."))))
        #expect(act("GET", "/jobs", auth: auth, authorization: "Bearer dep") == forwarded(.query(prefix: []), .listing, namespace: .prefix(bytes("deploy."))))
        #expect(act("GET", "/jobs/deploy.x", auth: auth, authorization: "Bearer dep") == forwarded(.get(job: bytes("deploy.x")), .job(bytes("deploy.x"))))
        let forbidden = "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: 21\r\n\r\n{\"error\":\"forbidden\"}"
        #expect(framed(act("GET", "/jobs/backup.x", auth: auth, authorization: "Bearer dep")) == forbidden)
        #expect(framed(act("DELETE", "/rules/backup.r", auth: auth, authorization: "Bearer dep")) == forbidden)
        #expect(framed(act("PUT", "/jobs/backup.x", body: "{\"execution\":1}", auth: auth, authorization: "Bearer dep")) == forbidden)
        // D-namespaces: the pattern must stay inside the namespace too.
        #expect(framed(act("PUT", "/rules/deploy.r", body: "{\"pattern\":\"backup.\",\"runner\":\"shell\",\"args\":[\"x\"]}", auth: auth, authorization: "Bearer dep")) == forbidden)
    }

    @Test func coreAnswers() {
        #expect(HTTPPending.setJob(bytes("j"), 5).response(to: bytes(" OK\n")) == HTTPResponse(status: 200, body: bytes("{\"id\":\"j\",\"status\":\"planned\",\"execution\":5}")))
        #expect(HTTPPending.setJob(bytes("j"), 5).response(to: bytes(" ERROR\n")) == .error(503, "journal write failed"))
        #expect(HTTPPending.setRule(bytes("r"), pattern: bytes("p"), runner: .shell(command: bytes("x"))).response(to: bytes(" OK\n"))
            == HTTPResponse(status: 200, body: bytes("{\"id\":\"r\",\"pattern\":\"p\",\"runner\":\"shell\"}")))
        #expect(HTTPPending.deletion.response(to: bytes(" OK\n")) == .noContent)
        #expect(HTTPPending.deletion.response(to: bytes(" NOTFOUND\n")) == .error(404, "not found"))
        #expect(HTTPPending.deletion.response(to: bytes(" ERROR\n")) == .error(503, "journal write failed"))
        #expect(HTTPPending.job(bytes("a\"b")).response(to: bytes(" OK failed -7\n")) == HTTPResponse(status: 200, body: bytes("{\"id\":\"a\\\"b\",\"status\":\"failed\",\"execution\":-7}")))
        #expect(HTTPPending.job(bytes("a")).response(to: bytes(" NOTFOUND\n")).status == 404)
        #expect(HTTPPending.body.response(to: bytes("{\"x\":1}")) == HTTPResponse(status: 200, body: bytes("{\"x\":1}")))
        #expect(HTTPPending.job(bytes("a")).response(to: bytes("garbage")).status == 500)
        #expect(text(HTTPResponse.noContent.bytes(keepAlive: true)) == "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(text(HTTPResponse.refusal(.bodyTooLarge).bytes(keepAlive: false)) == "HTTP/1.1 413 Content Too Large\r\ncontent-type: application/json\r\ncontent-length: 26\r\nconnection: close\r\n\r\n{\"error\":\"body too large\"}")
    }
}
