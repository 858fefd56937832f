import Foundation
import Glibc
import Testing

/// A TLS client under AUTH that writes its requests and closes at once still gets its answers:
/// input ends only after what preceded close_notify has been processed (docs/protocol.md#connections, issue 9 item 5).
@Suite struct TLSCloseTests {
    static func server() throws -> ServerProcess {
        let directory = try ServerProcess.makeDirectory()
        let (certificate, key) = try TestCertificate.make(in: directory)
        let path = directory.appendingPathComponent("tokens.toml").path
        try "[token.s]\nsecret = \"s\"\nnamespace = \"*\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        return try ServerProcess(
            controller: "auth_file = \"\(path)\"\ntls_cert = \"\(certificate)\"\ntls_key = \"\(key)\"\n",
            directory: directory)
    }

    @Test func authAndRequestThenCloseNotifyInOneSegment() throws {
        let server = try Self.server()
        let client = try TLSTestClient(port: server.port)
        try client.sendAndClose("AUTH s\nr1 GET x\nr2 SET y 4102444800000000000\n")
        let expected = "OK\nr1 ERROR\nr2 OK\n"
        #expect(try client.receive(expected) == expected)
        #expect(client.isClosedByPeer())
    }

    @Test func handshakeEndAuthAndCloseNotifyInOneSegment() throws {
        let server = try Self.server()
        // The client's Finished, the requests and close_notify reach the server in one read.
        let client = try TLSTestClient(port: server.port, corked: true)
        try client.sendAndClose("AUTH s\nr1 GET x\n")
        let expected = "OK\nr1 ERROR\n"
        #expect(try client.receive(expected) == expected)
        #expect(client.isClosedByPeer())
    }
}
