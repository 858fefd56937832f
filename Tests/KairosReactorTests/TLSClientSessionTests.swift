import KairosReactor
import Testing

/// The client role of `TLSSession` (used by the redis runner's `rediss://`), against the server
/// role, both in memory: the chain and the name are verified.
@Suite struct TLSClientSessionTests {
    /// Moves ciphertext both ways until neither side has any; returns the client's last progress.
    private func handshake(_ client: inout TLSSession, _ server: inout TLSSession) -> TLSProgress {
        var plaintext: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var progress = client.readPlaintext(into: &plaintext)
        for _ in 0..<20 {
            var moved = false
            for direction in 0..<2 {
                let count = buffer.withUnsafeMutableBytes { raw in
                    direction == 0 ? client.takeCiphertext(into: raw) : server.takeCiphertext(into: raw)
                }
                guard count > 0 else { continue }
                moved = true
                _ = buffer.withUnsafeBytes { raw in
                    direction == 0
                        ? server.receiveCiphertext(UnsafeRawBufferPointer(rebasing: raw[..<count]))
                        : client.receiveCiphertext(UnsafeRawBufferPointer(rebasing: raw[..<count]))
                }
                if direction == 0 { _ = server.readPlaintext(into: &plaintext) } else { progress = client.readPlaintext(into: &plaintext) }
            }
            if !moved { break }
        }
        return progress
    }

    @Test func aTrustedServerWithTheRightNameIsAccepted() throws {
        let credentials = try TestCredentials.get()
        var server = try TLSSession(context: TLSContext(certificatePath: credentials.chain, privateKeyPath: credentials.chainKey))
        var client = try TLSSession(clientContext: TLSContext(clientTrusting: credentials.root), serverName: "localhost")
        #expect(handshake(&client, &server) == .established)
        let complete = client.isHandshakeComplete
        let version = client.negotiatedVersion
        #expect(complete)
        #expect(version == "TLSv1.3")
    }

    @Test func anotherNameOrAnUntrustedChainIsRefused() throws {
        let credentials = try TestCredentials.get()
        let serverContext = try TLSContext(certificatePath: credentials.chain, privateKeyPath: credentials.chainKey)
        var server = try TLSSession(context: serverContext)
        var wrongName = try TLSSession(clientContext: TLSContext(clientTrusting: credentials.root), serverName: "cache.example")
        guard case .failed(let error) = handshake(&wrongName, &server) else {
            Issue.record("a certificate for localhost was accepted for cache.example")
            return
        }
        #expect(error.kind == .handshakeFailed)
        #expect(error.description.contains("certificate verify failed"))

        var other = try TLSSession(context: serverContext)
        var untrusted = try TLSSession(clientContext: TLSContext(clientTrusting: credentials.certificate), serverName: "localhost")
        guard case .failed(let chainError) = handshake(&untrusted, &other) else {
            Issue.record("a chain from an untrusted root was accepted")
            return
        }
        #expect(chainError.description.contains("certificate verify failed"))
    }

    @Test func aMissingCAFileIsAClearError() {
        #expect(throws: TLSError.self) { try TLSContext(clientTrusting: "/nonexistent/ca.pem") }
    }
}
