import CKairos
import KairosReactor
import Testing

/// `TLSContext.releasesIdleBuffers`: the line protocol's sessions give their buffers back when
/// drained (many idle connections), the HTTP API's keep them (request after request).
@Suite struct TLSBufferPolicyTests {
    /// One request and its answer through a session, then what the session still holds.
    private func bufferedAfterExchange(releasing: Bool) throws -> Int {
        let credentials = try TestCredentials.get()
        let context = try TLSContext(
            certificatePath: credentials.certificate, privateKeyPath: credentials.key, releasesIdleBuffers: releasing)
        var session = try TLSSession(context: context)
        let client = try TestClient(TestClientContext())
        try completeHandshake(&session, client)
        var plaintext: [UInt8] = []
        try client.write(Array("GET /health HTTP/1.1\r\n\r\n".utf8))
        pump(&session, client, into: &plaintext)
        let reply = Array("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".utf8)
        #expect(reply.withUnsafeBytes { session.writePlaintext($0) } == .success(reply.count))
        pump(&session, client, into: &plaintext)
        #expect(plaintext == Array("GET /health HTTP/1.1\r\n\r\n".utf8))
        #expect(client.received == reply)
        #expect(session.pendingCiphertextCount == 0)
        return session.bufferedBytes
    }

    @Test func drainedBuffersAreReleasedOnlyWhenAsked() throws {
        #expect(try bufferedAfterExchange(releasing: true) == 0)
        #expect(try bufferedAfterExchange(releasing: false) > 0)
    }
}
