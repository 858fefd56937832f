import Foundation
import Glibc
import Testing

/// Every row of docs/protocol.md#http-api's table (amended by D-http-api) against the real binary, exact bytes.
@Suite struct HTTPAPITests {
    @Test func specTable() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        let notFound = HTTPBytes.error("404 Not Found", "not found")
        let notAllowed = { (allow: String) in
            HTTPBytes.error("405 Method Not Allowed", "method not allowed", extra: "allow: \(allow)\r\n")
        }
        let missingID = HTTPBytes.error("400 Bad Request", "missing resource id")

        #expect(try http.exchange("GET", "/health") == HTTPBytes.json("200 OK", "{\"status\":\"ok\"}"))
        #expect(try http.exchange("POST", "/health") == notAllowed("GET"))
        #expect(try http.exchange("GET", "/jobs") == HTTPBytes.json("200 OK", "[]"))
        #expect(try http.exchange("DELETE", "/jobs") == notAllowed("GET"))
        let job = "{\"id\":\"j\",\"status\":\"planned\",\"execution\":4102444799000000000}"
        #expect(try http.exchange("PUT", "/jobs/j", body: "{\"execution\":\"2099-12-31T23:59:59Z\"}") == HTTPBytes.json("200 OK", job))
        #expect(try http.exchange("GET", "/jobs/j") == HTTPBytes.json("200 OK", job))
        #expect(try http.exchange("GET", "/jobs?prefix=j") == HTTPBytes.json("200 OK", "[\(job)]"))
        #expect(try http.exchange("GET", "/jobs?prefix=k") == HTTPBytes.json("200 OK", "[]"))
        #expect(try http.exchange("POST", "/jobs/j") == notAllowed("GET, PUT, DELETE"))
        #expect(try http.exchange("DELETE", "/jobs/j") == HTTPBytes.noContent)
        #expect(try http.exchange("GET", "/jobs/j") == notFound)
        #expect(try http.exchange("DELETE", "/jobs/j") == notFound)

        #expect(try http.exchange("GET", "/rules") == HTTPBytes.json("200 OK", "[]"))
        let rule = "{\"id\":\"r\",\"pattern\":\"p.\",\"runner\":\"http\"}"
        #expect(try http.exchange("PUT", "/rules/r", body: "{\"pattern\":\"p.\",\"runner\":\"http\",\"args\":[\"POST\",\"http://127.0.0.1:9/x\"]}") == HTTPBytes.json("200 OK", rule))
        #expect(try http.exchange("GET", "/rules") == HTTPBytes.json("200 OK", "[\(rule)]"))
        #expect(try http.exchange("GET", "/rules?prefix=q") == HTTPBytes.json("200 OK", "[]"))
        #expect(try http.exchange("GET", "/rules/r") == HTTPBytes.json("200 OK", "{\"id\":\"r\",\"pattern\":\"p.\",\"runner\":\"http\",\"args\":[\"POST\",\"http://127.0.0.1:9/x\"]}"))
        #expect(try http.exchange("POST", "/rules/r") == notFound)
        #expect(try http.exchange("DELETE", "/rules/r") == HTTPBytes.noContent)
        #expect(try http.exchange("DELETE", "/rules/r") == notFound)
        #expect(try http.exchange("GET", "/rules/r") == notFound)

        #expect(try http.exchange("GET", "/jobs/") == missingID)
        #expect(try http.exchange("GET", "/rules/") == missingID)
        #expect(try http.exchange("GET", "/jobsX") == missingID)
        #expect(try http.exchange("GET", "/nope") == notFound)
        #expect(try http.exchange("GET", "/openapi.json").hasPrefix("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"))
        #expect(try http.exchange("PUT", "/openapi.json") == notAllowed("GET"))

        // PUT bodies.
        #expect(try http.exchange("PUT", "/jobs/j") == HTTPBytes.error("400 Bad Request", "missing content-length"))
        #expect(try http.exchange("PUT", "/jobs/j", body: "{\"execution\":\"2026-02-30T00:00:00Z\"}") == HTTPBytes.error("400 Bad Request", "invalid json"))
        #expect(try http.exchange("PUT", "/rules/r", body: "{\"pattern\":\"p\",\"runner\":\"cron\",\"args\":[]}") == HTTPBytes.error("400 Bad Request", "unsupported runner type"))
        #expect(try http.exchange("PUT", "/rules/r", body: "{\"pattern\":\"p\",\"runner\":\"awf\",\"args\":[]}") == HTTPBytes.error("400 Bad Request", "missing workflow argument"))
        #expect(try http.exchange("PUT", "/rules/r", body: "{\"pattern\":\"p\",\"runner\":\"http\",\"args\":[\"GET\"]}") == HTTPBytes.error("400 Bad Request", "invalid http runner arguments"))
        // D-http-api: amqp and redis rules are creatable.
        #expect(try http.exchange("PUT", "/rules/q", body: "{\"pattern\":\"z.\",\"runner\":\"amqp\",\"args\":[\"amqp://127.0.0.1:9/\",\"ex\",\"rk\"]}") == HTTPBytes.json("200 OK", "{\"id\":\"q\",\"pattern\":\"z.\",\"runner\":\"amqp\"}"))
        #expect(try http.exchange("PUT", "/rules/s", body: "{\"pattern\":\"z.\",\"runner\":\"redis\",\"args\":[\"redis://127.0.0.1:9/0\",\"RPUSH\",\"k\"]}") == HTTPBytes.json("200 OK", "{\"id\":\"s\",\"pattern\":\"z.\",\"runner\":\"redis\"}"))
        // D-http-api: offsets and fractions are honoured; integers are nanoseconds; ids are percent-decoded.
        #expect(try http.exchange("PUT", "/jobs/a%20b%2Fc", body: "{\"execution\":\"2100-01-01T01:00:00.25+01:00\"}") == HTTPBytes.json("200 OK", "{\"id\":\"a b/c\",\"status\":\"planned\",\"execution\":4102444800250000000}"))
        #expect(try http.exchange("PUT", "/jobs/n", body: "{\"execution\":4102444800000000001}") == HTTPBytes.json("200 OK", "{\"id\":\"n\",\"status\":\"planned\",\"execution\":4102444800000000001}"))
        #expect(try http.exchange("GET", "/jobs?prefix=a%20") == HTTPBytes.json("200 OK", "[{\"id\":\"a b/c\",\"status\":\"planned\",\"execution\":4102444800250000000}]"))

        let stat = try http.exchange("GET", "/stat")
        #expect(stat.hasPrefix("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"))
        #expect(stat.contains("{\"uptime_ns\":"))
        #expect(stat.hasSuffix(",\"connections\":1,\"jobs_total\":2,\"jobs_planned\":2,\"jobs_triggered\":0,\"jobs_executed\":0,\"jobs_failed\":0,\"rules_total\":2,\"executions_pending\":0,\"executions_inflight\":0,\"persistence\":\"memory\",\"compression\":\"idle\",\"auth_enabled\":0,\"tls_enabled\":0,\"framerate\":512}"))
    }

    /// D-http-auth: one table behind both protocols; each sees the other's mutations at once.
    @Test func httpAndTCPShareState() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        let tcp = try TestClient(port: server.port)
        _ = try http.exchange("PUT", "/jobs/h1", body: "{\"execution\":4102444800000000000}")
        try tcp.send("r1 GET h1\n")
        #expect(try tcp.receive("r1 OK planned 4102444800000000000\n") == "r1 OK planned 4102444800000000000\n")
        try tcp.send("r2 SET t1 4102444800000000007\nr3 RULE SET tr t1 shell echo hi\n")
        #expect(try tcp.receive("r2 OK\nr3 OK\n") == "r2 OK\nr3 OK\n")
        #expect(try http.exchange("GET", "/jobs/t1") == HTTPBytes.json("200 OK", "{\"id\":\"t1\",\"status\":\"planned\",\"execution\":4102444800000000007}"))
        #expect(try http.exchange("GET", "/rules/tr") == HTTPBytes.json("200 OK", "{\"id\":\"tr\",\"pattern\":\"t1\",\"runner\":\"shell\",\"args\":[\"echo hi\"]}"))
        #expect(try http.exchange("DELETE", "/jobs/h1") == HTTPBytes.noContent)
        try tcp.send("r4 GET h1\n")
        #expect(try tcp.receive("r4 ERROR\n") == "r4 ERROR\n")
    }

    /// D-http-api: a mutation the journal refuses is 503, never 200, and changes nothing. The logfile's
    /// writes are made to fail with EFBIG (StorageFaultTests' prlimit technique, D-storage-faults).
    @Test func journalRefusalIs503() throws {
        let directory = try ServerProcess.makeDirectory()
        let logfile = directory.appendingPathComponent("logfile").path
        let httpPort = try ServerProcess.freePort()
        let server = try ServerProcess(
            extraConfig: "[http]\nlisten = \"127.0.0.1:\(httpPort)\"",
            database: "[database]\npersistence = \"logfile\"\nlogfile_path = \"\(logfile)\"\ncompression_interval = 0",
            directory: directory)
        let http = try HTTPTestClient(port: httpPort)
        #expect(try http.exchange("PUT", "/jobs/kept", body: "{\"execution\":4102444800000000000}") == HTTPBytes.json("200 OK", "{\"id\":\"kept\",\"status\":\"planned\",\"execution\":4102444800000000000}"))
        #expect(StorageFaultTests.limitFileSize(of: server.pid, to: StorageFaultTests.fileSize(logfile)))
        let refused = HTTPBytes.error("503 Service Unavailable", "journal write failed")
        #expect(try http.exchange("PUT", "/jobs/lost", body: "{\"execution\":2}") == refused)
        #expect(try http.exchange("PUT", "/rules/lost", body: "{\"pattern\":\"x\",\"runner\":\"shell\",\"args\":[\"true\"]}") == refused)
        #expect(try http.exchange("DELETE", "/jobs/kept") == refused)
        #expect(StorageFaultTests.limitFileSize(of: server.pid, to: rlim_t.max))
        #expect(try http.exchange("GET", "/jobs/lost") == HTTPBytes.error("404 Not Found", "not found"))
        #expect(try http.exchange("GET", "/rules/lost") == HTTPBytes.error("404 Not Found", "not found"))
        #expect(try http.exchange("GET", "/jobs/kept").hasSuffix("{\"id\":\"kept\",\"status\":\"planned\",\"execution\":4102444800000000000}"))
    }
}
