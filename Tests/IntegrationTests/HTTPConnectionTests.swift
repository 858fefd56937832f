import Foundation
import Glibc
import Testing

/// HTTP/1.1 framing and connection handling on the real binary (D-http-api, D-connections, D-limits).
@Suite struct HTTPConnectionTests {
    @Test func thousandSequentialRequestsOnOneConnection() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        for index in 0..<1000 {
            let body = "{\"execution\":\(4_102_444_800_000_000_000 + index)}"
            let expected = "{\"id\":\"k\(index)\",\"status\":\"planned\",\"execution\":\(4_102_444_800_000_000_000 + index)}"
            #expect(try http.exchange("PUT", "/jobs/k\(index)", body: body) == HTTPBytes.json("200 OK", expected))
        }
        #expect(!http.client.isClosedByPeer())
    }

    @Test func thousandConcurrentConnections() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let clients = try (0..<1000).map { _ in try HTTPTestClient(port: port) }
        for (index, http) in clients.enumerated() {
            try http.send("PUT", "/jobs/c\(index)", body: "{\"execution\":4102444800000000000}")
        }
        for (index, http) in clients.enumerated() {
            #expect(try http.response() == HTTPBytes.json("200 OK", "{\"id\":\"c\(index)\",\"status\":\"planned\",\"execution\":4102444800000000000}"))
        }
        let stat = try clients[0].exchange("GET", "/stat")
        #expect(stat.contains("\"connections\":1000,\"jobs_total\":1000,"))
    }

    @Test func pipelinedRequestsAnsweredInOrder() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        try http.client.send(
            "PUT /jobs/p HTTP/1.1\r\nHost: k\r\nContent-Length: 15\r\n\r\n{\"execution\":5}"
                + "GET /health HTTP/1.1\r\nHost: k\r\n\r\nGET /jobs/nope HTTP/1.1\r\nHost: k\r\n\r\n"
                + "DELETE /jobs/p HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\nGET /health HTTP/1.1\r\nHost: k\r\n\r\n")
        #expect(try http.response() == HTTPBytes.json("200 OK", "{\"id\":\"p\",\"status\":\"planned\",\"execution\":5}"))
        #expect(try http.response() == HTTPBytes.json("200 OK", "{\"status\":\"ok\"}"))
        #expect(try http.response() == HTTPBytes.error("404 Not Found", "not found"))
        #expect(try http.response() == "HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
        // Nothing after the request that asked to close is answered.
        #expect(http.client.isClosedByPeer())
    }

    /// A request that arrives a byte per write is answered exactly as one sent whole.
    @Test func requestInManyWrites() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        for byte in "PUT /jobs/d%20r HTTP/1.1\r\nHost: k\r\nContent-Length: 33\r\n\r\n{\"execution\":4102444800000000001}".utf8 {
            try http.client.send([byte])
        }
        #expect(try http.response() == HTTPBytes.json("200 OK", "{\"id\":\"d r\",\"status\":\"planned\",\"execution\":4102444800000000001}"))
        #expect(try http.exchange("GET", "/jobs/d%20r") == HTTPBytes.json("200 OK", "{\"id\":\"d r\",\"status\":\"planned\",\"execution\":4102444800000000001}"))
    }

    @Test func http10IsServedAndClosed() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        try http.client.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try http.response() == HTTPBytes.json("200 OK", "{\"status\":\"ok\"}", extra: "connection: close\r\n"))
        #expect(http.client.isClosedByPeer())
    }

    @Test func expectContinue() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        try http.client.send("PUT /jobs/e HTTP/1.1\r\nHost: k\r\nExpect: 100-continue\r\nContent-Length: 15\r\n\r\n")
        #expect(try http.client.receive("HTTP/1.1 100 Continue\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n")
        try http.client.send("{\"execution\":7}")
        #expect(try http.response() == HTTPBytes.json("200 OK", "{\"id\":\"e\",\"status\":\"planned\",\"execution\":7}"))
        let other = try HTTPTestClient(port: port)
        try other.client.send("PUT /jobs/e HTTP/1.1\r\nHost: k\r\nExpect: gimme\r\nContent-Length: 1\r\n\r\n")
        #expect(try other.response() == HTTPBytes.error("417 Expectation Failed", "expectation failed", extra: "connection: close\r\n"))
        #expect(other.client.isClosedByPeer())
    }

    /// Framing errors get their 4xx and a close; none may reach the core or leave a connection stuck.
    @Test(arguments: [
        ("PUT /jobs/x HTTP/1.1\r\nHost: k\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400 Bad Request", "transfer-encoding not supported"),
        ("PUT /jobs/x HTTP/1.1\r\nHost: k\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", "400 Bad Request", "invalid content-length"),
        ("PUT /jobs/x HTTP/1.1\r\nHost: k\r\nContent-Length: 1048577\r\n\r\n", "413 Content Too Large", "body too large"),
        ("GET /health HTTP/1.1\r\n\r\n", "400 Bad Request", "bad request"),
        ("GET /health HTTP/1.1\nHost: k\n\n", "400 Bad Request", "bad request"),
        ("GET /health HTTP/2.0\r\nHost: k\r\n\r\n", "505 HTTP Version Not Supported", "http version not supported"),
        ("r1 STAT\n", "400 Bad Request", "bad request"),
    ])
    func framingErrors(_ request: String, _ status: String, _ message: String) throws {
        let (server, port) = try ServerProcess.withHTTP()
        let http = try HTTPTestClient(port: port)
        try http.client.send(request)
        #expect(try http.response() == HTTPBytes.error(status, message, extra: "connection: close\r\n"))
        #expect(http.client.isClosedByPeer())
        let tcp = try TestClient(port: server.port)
        try tcp.send("q QUERY\n")
        #expect(try tcp.receive("q OK\n") == "q OK\n")
    }

    @Test func headLimit() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        try http.client.send("GET /health HTTP/1.1\r\nHost: k\r\nX-Pad: " + String(repeating: "a", count: 8192))
        #expect(try http.response() == HTTPBytes.error("400 Bad Request", "bad request", extra: "connection: close\r\n"))
        #expect(http.client.isClosedByPeer())
    }

    /// D-http-api: half a head (or half a body) is dropped after the AUTH deadline, like a stalled AUTH.
    @Test func stalledRequestIsClosedAtTheAuthDeadline() throws {
        let (server, port) = try ServerProcess.withHTTP(controller: "auth_timeout_ms = 300")
        defer { server.stop() }
        let head = try HTTPTestClient(port: port)
        try head.client.send("GET /health HTTP/1.1\r\nHo")
        let body = try HTTPTestClient(port: port)
        try body.client.send("PUT /jobs/x HTTP/1.1\r\nHost: k\r\nContent-Length: 20\r\n\r\n{\"exec")
        let idle = try HTTPTestClient(port: port)
        let started = Date()
        #expect(head.client.readUntilClosed(timeout: 5))
        #expect(body.client.readUntilClosed(timeout: 5))
        #expect(Date().timeIntervalSince(started) < 3)
        // An idle keep-alive connection with nothing half-sent stays open.
        #expect(try idle.exchange("GET", "/health") == HTTPBytes.json("200 OK", "{\"status\":\"ok\"}"))
    }

    /// D-limits: a listing too long for one part is streamed with chunked coding; all of it arrives.
    @Test func longListingIsChunked() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let tcp = try TestClient(port: server.port)
        var batch = ""
        for index in 0..<2000 { batch += "s SET long-\(index) 4102444800000000000\n" }
        try tcp.send(batch)
        for _ in 0..<2000 { _ = try tcp.readLine() }
        let http = try HTTPTestClient(port: port)
        let response = try http.exchange("GET", "/jobs?prefix=long-")
        #expect(response.hasPrefix("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"))
        #expect(response.hasSuffix("]\r\n0\r\n\r\n"))
        #expect(response.components(separatedBy: "\"status\":\"planned\"").count == 2001)
        // The connection is still usable after the streamed answer.
        #expect(try http.exchange("GET", "/health") == HTTPBytes.json("200 OK", "{\"status\":\"ok\"}"))
    }

    /// D-shutdown: SIGTERM closes idle keep-alive HTTP connections and the server exits 0 at once,
    /// without waiting for the drain timeout.
    @Test func gracefulStopClosesKeepAliveConnections() throws {
        let (server, port) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        #expect(try http.exchange("GET", "/health") == HTTPBytes.json("200 OK", "{\"status\":\"ok\"}"))
        let started = Date()
        #expect(server.terminate() == 0)
        #expect(Date().timeIntervalSince(started) < 4)
        #expect(http.client.readUntilClosed(timeout: 5))
    }

    /// D-config: a listen address that cannot be bound exits 1 naming `http.listen`.
    @Test func bindFailureExits1() throws {
        let directory = try ServerProcess.makeDirectory()
        let (server, _) = try ServerProcess.withHTTP()
        defer { server.stop() }
        let port = try ServerProcess.freePort()
        let config = directory.appendingPathComponent("k.toml").path
        try "[controller]\nlisten = \"127.0.0.1:\(port)\"\n[database]\npersistence = \"memory\"\n[http]\nlisten = \"127.0.0.1:\(server.port)\"\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try ServerProcess.runCLI(["server", "-c", config])
        #expect(result.status == 1)
        #expect(result.stderr.hasSuffix("\nerror: http.listen: cannot listen on 127.0.0.1:\(server.port): Address already in use\n"))
    }
}
