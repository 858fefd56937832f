import Foundation
import Glibc
import Testing

/// Bearer auth with namespaces (D-http-auth, D-http-api) and HTTPS (same TLS code as the line protocol).
@Suite struct HTTPSecurityTests {
    static let tokens = """
        [token.deploy]
        secret = "sk_deploy"
        namespace = "deploy."

        [token.admin]
        secret = "sk_admin"
        namespace = "*"
        """

    static func authServer() throws -> (server: ServerProcess, httpPort: UInt16) {
        let directory = try ServerProcess.makeDirectory()
        let path = directory.appendingPathComponent("tokens.toml").path
        try tokens.write(toFile: path, atomically: true, encoding: .utf8)
        return try ServerProcess.withHTTP(controller: "auth_file = \"\(path)\"", directory: directory)
    }

    static func tlsServer() throws -> (server: ServerProcess, httpPort: UInt16, certificate: String) {
        let directory = try ServerProcess.makeDirectory()
        let (certificate, key) = try TestCertificate.make(in: directory)
        let (server, port) = try ServerProcess.withHTTP(
            http: "tls_cert = \"\(certificate)\"\ntls_key = \"\(key)\"", directory: directory)
        return (server, port, certificate)
    }

    @Test func authMatrix() throws {
        let (server, port) = try Self.authServer()
        defer { server.stop() }
        let http = try HTTPTestClient(port: port)
        let unauthorized = HTTPBytes.error("401 Unauthorized", "unauthorized", extra: "www-authenticate: Bearer\r\n")
        let forbidden = HTTPBytes.error("403 Forbidden", "forbidden")
        let admin = ["Authorization: Bearer sk_admin"]
        let deploy = ["Authorization: bearer sk_deploy"]

        // Open without a token: /health and /openapi.json.
        #expect(try http.exchange("GET", "/health") == HTTPBytes.json("200 OK", "{\"status\":\"ok\"}"))
        #expect(try http.exchange("GET", "/openapi.json").hasPrefix("HTTP/1.1 200 OK\r\n"))
        // Everything else needs a valid bearer token, before routing.
        for (method, target) in [("GET", "/jobs"), ("GET", "/stat"), ("GET", "/nope"), ("DELETE", "/rules/x"), ("GET", "/jobs/deploy.a")] {
            #expect(try http.exchange(method, target) == unauthorized)
            #expect(try http.exchange(method, target, headers: ["Authorization: Bearer wrong"]) == unauthorized)
            #expect(try http.exchange(method, target, headers: ["Authorization: Basic c2tfYWRtaW4="]) == unauthorized)
        }
        #expect(try http.exchange("PUT", "/jobs/backup.x", body: "{\"execution\":4102444800000000000}", headers: admin).hasPrefix("HTTP/1.1 200 OK"))
        #expect(try http.exchange("PUT", "/jobs/deploy.x", body: "{\"execution\":4102444800000000000}", headers: deploy).hasPrefix("HTTP/1.1 200 OK"))
        #expect(try http.exchange("PUT", "/rules/backup.r", body: "{\"pattern\":\"backup.\",\"runner\":\"shell\",\"args\":[\"x\"]}", headers: admin).hasPrefix("HTTP/1.1 200 OK"))

        // D-namespaces on HTTP: ids outside the namespace are 403 whether or not they exist.
        #expect(try http.exchange("GET", "/jobs/backup.x", headers: deploy) == forbidden)
        #expect(try http.exchange("GET", "/jobs/backup.none", headers: deploy) == forbidden)
        #expect(try http.exchange("DELETE", "/jobs/backup.x", headers: deploy) == forbidden)
        #expect(try http.exchange("PUT", "/jobs/backup.y", body: "{\"execution\":1}", headers: deploy) == forbidden)
        #expect(try http.exchange("GET", "/rules/backup.r", headers: deploy) == forbidden)
        #expect(try http.exchange("PUT", "/rules/deploy.r", body: "{\"pattern\":\"backup.\",\"runner\":\"shell\",\"args\":[\"x\"]}", headers: deploy) == forbidden)
        #expect(try http.exchange("PUT", "/rules/deploy.r", body: "{\"pattern\":\"deploy.\",\"runner\":\"shell\",\"args\":[\"x\"]}", headers: deploy).hasPrefix("HTTP/1.1 200 OK"))
        // Listings are scoped; /stat takes any valid token.
        #expect(try http.exchange("GET", "/jobs", headers: deploy) == HTTPBytes.json("200 OK", "[{\"id\":\"deploy.x\",\"status\":\"planned\",\"execution\":4102444800000000000}]"))
        #expect(try http.exchange("GET", "/rules", headers: deploy) == HTTPBytes.json("200 OK", "[{\"id\":\"deploy.r\",\"pattern\":\"deploy.\",\"runner\":\"shell\"}]"))
        #expect(try http.exchange("GET", "/rules", headers: admin).contains("{\"id\":\"backup.r\",\"pattern\":\"backup.\",\"runner\":\"shell\"},{\"id\":\"deploy.r\""))
        #expect(try http.exchange("GET", "/stat", headers: deploy).contains("\"auth_enabled\":1,"))
        // The line protocol still requires AUTH on its own port.
        let tcp = try TestClient(port: server.port)
        try tcp.send("AUTH sk_deploy\nr1 GET deploy.x\n")
        #expect(try tcp.receive("OK\nr1 OK planned 4102444800000000000\n") == "OK\nr1 OK planned 4102444800000000000\n")
    }

    /// Exact bytes over HTTPS through the reactor's TLS sessions, keep-alive included.
    @Test func httpsExactBytes() throws {
        let (server, port, _) = try Self.tlsServer()
        defer { server.stop() }
        let client = try TLSTestClient(port: port)
        #expect(client.version == "TLSv1.3")
        try client.send("PUT /jobs/t HTTP/1.1\r\nHost: k\r\nContent-Length: 33\r\n\r\n{\"execution\":4102444800000000009}GET /jobs/t HTTP/1.1\r\nHost: k\r\n\r\n")
        let job = HTTPBytes.json("200 OK", "{\"id\":\"t\",\"status\":\"planned\",\"execution\":4102444800000000009}")
        #expect(try client.receive(job + job) == job + job)
        // Plain HTTP on the HTTPS port gets nothing useful and is dropped; the port keeps serving.
        let plain = try TestClient(port: port)
        try plain.send("GET /health HTTP/1.1\r\nHost: k\r\n\r\n")
        #expect(plain.readUntilClosed(timeout: 15))
        let again = try TLSTestClient(port: port)
        try again.send("GET /health HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n")
        let health = HTTPBytes.json("200 OK", "{\"status\":\"ok\"}", extra: "connection: close\r\n")
        #expect(try again.receive(health) == health)
        #expect(again.isClosedByPeer())
    }

    @Test func httpsWithCurlAndPython() throws {
        let (server, port, certificate) = try Self.tlsServer()
        defer { server.stop() }
        // The test certificate names `localhost`; curl verifies it against that name.
        let url = "https://localhost:\(port)"
        let curl = try Self.run("/usr/bin/curl", ["-sS", "--cacert", certificate, "--resolve", "localhost:\(port):127.0.0.1", "-X", "PUT", "-d", "{\"execution\":\"2099-12-31T23:59:59Z\"}", "\(url)/jobs/c", "\(url)/jobs/c"])
        #expect(curl.status == 0)
        #expect(curl.stdout == "{\"id\":\"c\",\"status\":\"planned\",\"execution\":4102444799000000000}{\"id\":\"c\",\"status\":\"planned\",\"execution\":4102444799000000000}")
        let script = """
            import http.client, ssl, sys
            context = ssl.create_default_context(cafile=sys.argv[1])
            context.check_hostname = False
            connection = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[2]), context=context)
            for _ in range(3):
                connection.request("GET", "/jobs/c")
                response = connection.getresponse()
                print(response.status, response.getheader("content-type"), response.read().decode())
            """
        let python = try Self.run("/usr/bin/env", ["python3", "-c", script, certificate, "\(port)"])
        #expect(python.status == 0, "\(python.stderr)")
        let line = "200 application/json {\"id\":\"c\",\"status\":\"planned\",\"execution\":4102444799000000000}\n"
        #expect(python.stdout == line + line + line)
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}
