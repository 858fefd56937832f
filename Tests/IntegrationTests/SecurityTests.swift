import CKairos
import Foundation
import Glibc
import Testing

/// TLS on the reactor and AUTH with namespaces, against the real binary.
@Suite struct TLSIntegrationTests {
    static func tlsServer(extra: String = "") throws -> ServerProcess {
        let directory = try ServerProcess.makeDirectory()
        let (certificate, key) = try TestCertificate.make(in: directory)
        return try ServerProcess(
            controller: "tls_cert = \"\(certificate)\"\ntls_key = \"\(key)\"\n\(extra)", directory: directory,
            waitForReady: true)
    }

    @Test func commandsOverTLS13() throws {
        let server = try Self.tlsServer()
        let client = try TLSTestClient(port: server.port)
        #expect(client.version == "TLSv1.3")
        try client.send("r1 SET a 4102444800000000000\nr2 GET a\n")
        let expected = "r1 OK\nr2 OK planned 4102444800000000000\n"
        #expect(try client.receive(expected) == expected)
    }

    @Test func statReportsTLS() throws {
        let server = try Self.tlsServer()
        let client = try TLSTestClient(port: server.port)
        try client.send("s GET none\ns STAT\n")
        #expect(try client.receive("s ERROR\n") == "s ERROR\n")
        // Read the 16 STAT lines one byte at a time until the final OK.
        var text = ""
        while !text.hasSuffix("s OK\n") { text += try client.receive("x") }
        #expect(text.contains("s tls_enabled 1\n"))
    }

    @Test func tls12ClientRejectedByDefault() throws {
        let server = try Self.tlsServer()
        #expect(throws: TLSTestClient.Failure.self) { try TLSTestClient(port: server.port, maxVersion: TLS1_2_VERSION) }
        let client = try TLSTestClient(port: server.port)
        try client.send("r1 QUERY\n")
        #expect(try client.receive("r1 OK\n") == "r1 OK\n")
    }

    @Test func tls12AllowedWhenConfigured() throws {
        let server = try Self.tlsServer(extra: "tls_min_version = \"1.2\"")
        let client = try TLSTestClient(port: server.port, maxVersion: TLS1_2_VERSION)
        #expect(client.version == "TLSv1.2")
        try client.send("r1 QUERY\n")
        #expect(try client.receive("r1 OK\n") == "r1 OK\n")
    }

    @Test func plaintextClientIsDropped() throws {
        let server = try Self.tlsServer()
        let plain = try TestClient(port: server.port)
        try plain.send("r1 STAT\n")
        #expect(ServerProcess.eventually { plain.isClosedByPeer() })
        let client = try TLSTestClient(port: server.port)
        try client.send("r1 QUERY\n")
        #expect(try client.receive("r1 OK\n") == "r1 OK\n")
    }

    @Test func stalledHandshakeIsDropped() throws {
        let server = try Self.tlsServer(extra: "tls_handshake_timeout_ms = 300")
        let silent = try TestClient(port: server.port)
        let started = Date()
        #expect(ServerProcess.eventually { silent.isClosedByPeer() })
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func thousandConcurrentTLSConnections() throws {
        let server = try Self.tlsServer()
        var clients: [TLSTestClient] = []
        for _ in 0..<1000 { clients.append(try TLSTestClient(port: server.port)) }
        for (i, client) in clients.enumerated() { try client.send("c\(i) GET x\n") }
        for (i, client) in clients.enumerated() { #expect(try client.receive("c\(i) ERROR\n") == "c\(i) ERROR\n") }
    }

    @Test func missingCertificateExitsOne() throws {
        let directory = try ServerProcess.makeDirectory()
        let path = directory.appendingPathComponent("tls.toml").path
        try "[controller]\ntls_cert = \"/nonexistent/c.pem\"\ntls_key = \"/nonexistent/k.pem\"\n[database]\npersistence = \"memory\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try ServerProcess.runCLI(["-c", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/c.pem"))
    }
}

@Suite struct AuthIntegrationTests {
    static let tokens = """
        [token.deploy]
        secret = "sk_deploy"
        namespace = "deploy."

        [token.admin]
        secret = "sk_admin"
        namespace = "*"
        """

    static func authServer(extra: String = "") throws -> ServerProcess {
        let directory = try ServerProcess.makeDirectory()
        let path = directory.appendingPathComponent("tokens.toml").path
        try tokens.write(toFile: path, atomically: true, encoding: .utf8)
        return try ServerProcess(controller: "auth_file = \"\(path)\"\n\(extra)", directory: directory)
    }

    @Test func goodSecretThenCommands() throws {
        let server = try Self.authServer()
        let client = try TestClient(port: server.port)
        try client.send("AUTH sk_deploy\nr1 SET deploy.x 4102444800000000000\nr2 SET backup.x 1\n")
        #expect(try client.receive("OK\nr1 OK\nr2 ERROR\n") == "OK\nr1 OK\nr2 ERROR\n")
        // After AUTH, a further AUTH line is an ordinary, unknown request.
        try client.send("AUTH sk_admin\n")
        #expect(try client.nextReplyIsMarker())
    }

    @Test func badSecretClosesAndNothingPipelinedRuns() throws {
        let server = try Self.authServer()
        let client = try TestClient(port: server.port)
        try client.send("AUTH bad\nr1 SET deploy.x 1\n")
        #expect(try client.receive("ERROR\n") == "ERROR\n")
        #expect(ServerProcess.eventually { client.isClosedByPeer() })
        let admin = try TestClient(port: server.port)
        try admin.send("AUTH sk_admin\nq QUERY\n")
        #expect(try admin.receive("OK\nq OK\n") == "OK\nq OK\n")
    }

    @Test func firstRequestMustBeAuth() throws {
        let server = try Self.authServer()
        let client = try TestClient(port: server.port)
        try client.send("\nAUTH\nr1 STAT\n")
        #expect(try client.receive("ERROR\n") == "ERROR\n")
        #expect(ServerProcess.eventually { client.isClosedByPeer() })
    }

    @Test func silenceIsClosedAfterTheDeadline() throws {
        let server = try Self.authServer(extra: "auth_timeout_ms = 300")
        let client = try TestClient(port: server.port)
        let started = Date()
        #expect(ServerProcess.eventually { client.isClosedByPeer() })
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func namespaceRules() throws {
        let server = try Self.authServer()
        let admin = try TestClient(port: server.port)
        try admin.send("AUTH sk_admin\na1 SET backup.y 4102444800000000000\na2 RULE SET backup.r backup. shell true\n")
        #expect(try admin.receive("OK\na1 OK\na2 OK\n") == "OK\na1 OK\na2 OK\n")
        let deploy = try TestClient(port: server.port)
        try deploy.send(
            "AUTH sk_deploy\nr1 SET deploy.x 4102444800000000000\nr2 RULE SET deploy.r backup. shell x\n"
                + "r3 RULE SET deploy.r deploy. shell x\nr4 QUERY\nr5 QUERY backup.\nr6 LISTRULES\nr7 GET backup.y\n"
                + "r8 REMOVE backup.y\nr9 REMOVERULE backup.r\n")
        let expected =
            "OK\nr1 OK\nr2 ERROR\nr3 OK\nr4 deploy.x planned 4102444800000000000\nr4 OK\nr5 OK\n"
            + "r6 deploy.r deploy. shell x\nr6 OK\nr7 ERROR\nr8 ERROR\nr9 ERROR\n"
        #expect(try deploy.receive(expected) == expected)
        try deploy.send("s STAT\n")
        let stat = try deploy.readMultiline(id: "s")
        #expect(stat.contains("s auth_enabled 1\n"))
    }

    @Test func authOverTLS() throws {
        let directory = try ServerProcess.makeDirectory()
        let (certificate, key) = try TestCertificate.make(in: directory)
        let path = directory.appendingPathComponent("tokens.toml").path
        try Self.tokens.write(toFile: path, atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            controller: "auth_file = \"\(path)\"\ntls_cert = \"\(certificate)\"\ntls_key = \"\(key)\"\n",
            directory: directory)
        let client = try TLSTestClient(port: server.port)
        try client.send("AUTH sk_deploy\nr1 GET deploy.none\n")
        #expect(try client.receive("OK\nr1 ERROR\n") == "OK\nr1 ERROR\n")
    }

    @Test func missingSecretInTokenFileExitsOne() throws {
        let directory = try ServerProcess.makeDirectory()
        let tokens = directory.appendingPathComponent("tokens.toml").path
        try "[token.broken]\nnamespace = \"x.\"\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("k.toml").path
        try "[controller]\nauth_file = \"\(tokens)\"\n[database]\npersistence = \"memory\"\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try ServerProcess.runCLI(["-c", config])
        #expect(result.status == 1)
        #expect(result.stderr.hasSuffix("\nerror: auth file \(tokens): token \"broken\" has no secret\n"))
    }
}
