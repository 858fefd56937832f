import CKairos
import KairosReactor
import Testing

@Suite("TLSSession over memory BIOs")
struct TLSSessionTests {
    let credentials: TestCredentials
    let context: TLSContext
    let clientContext: TestClientContext

    init() throws {
        credentials = try TestCredentials.get()
        context = try TLSContext(certificatePath: credentials.certificate, privateKeyPath: credentials.key, minimumVersion: .v1_3)
        clientContext = try TestClientContext()
    }

    @Test func handshakeCompletesWithTLS13AndLinesFlowBothWays() throws {
        var server = try TLSSession(context: context)
        let client = try TestClient(clientContext)
        var plaintext: [UInt8] = []

        // Nothing received yet: the server waits and has nothing to say.
        #expect(server.readPlaintext(into: &plaintext) == .handshaking)
        #expect(server.pendingCiphertextCount == 0)
        #expect(server.isHandshakeComplete == false)
        #expect(server.negotiatedVersion == nil)

        try completeHandshake(&server, client)
        #expect(server.isHandshakeComplete == true)
        #expect(server.negotiatedVersion == "TLSv1.3")
        #expect(String(cString: SSL_get_version(client.ssl)) == "TLSv1.3")

        try client.write(Array("r1 STAT\nr2 GET x\n".utf8))
        #expect(pump(&server, client, into: &plaintext) == .established)
        #expect(plaintext == Array("r1 STAT\nr2 GET x\n".utf8))

        let reply = Array("r1 OK\nr2 ERROR\n".utf8)
        let written = reply.withUnsafeBytes { server.writePlaintext($0) }
        #expect(written == .success(reply.count))
        pump(&server, client, into: &plaintext)
        #expect(client.received == reply)
        #expect(client.failure == nil)
    }

    @Test func idleSessionHoldsNoBufferedBytes() throws {
        var server = try TLSSession(context: context)
        let client = try TestClient(clientContext)
        try completeHandshake(&server, client)
        #expect(server.bufferedBytes == 0)

        var plaintext: [UInt8] = []
        try client.write(Array("r1 STAT\n".utf8))
        pump(&server, client, into: &plaintext)
        _ = Array("OK\n".utf8).withUnsafeBytes { server.writePlaintext($0) }
        #expect(server.bufferedBytes > 0, "encrypted reply waits in the output BIO")
        pump(&server, client, into: &plaintext)
        #expect(server.bufferedBytes == 0)
        #expect(client.received == Array("OK\n".utf8))
    }

    /// The reactor decrypts through one shared chunk; a chunk smaller than a record is not
    /// used (a temporary one is), and both give the same bytes.
    @Test(arguments: [TLSSession.recordSize, 100])
    func decryptingThroughAGivenChunk(chunkSize: Int) throws {
        var server = try TLSSession(context: context)
        let client = try TestClient(clientContext)
        try completeHandshake(&server, client)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        let upstream = patternBytes(count: 40_000, seed: 3)
        try client.write(upstream)
        let ciphertext = client.takeCiphertext()
        var received: [UInt8] = []
        var offset = 0
        while offset < ciphertext.count {
            let accepted = ciphertext.withUnsafeBytes { server.receiveCiphertext(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            try #require(accepted > 0)
            offset += accepted
            #expect(server.readPlaintext(into: &received, chunk: chunk) == .established)
        }
        #expect(received == upstream)
    }

    @Test func oneMebibyteEachWayArrivesExactly() throws {
        var server = try TLSSession(context: context)
        let client = try TestClient(clientContext)
        try completeHandshake(&server, client)
        let size = 1 << 20

        // Client to server: all at once, so the server must accept it in pieces.
        let upstream = patternBytes(count: size, seed: 7)
        try client.write(upstream)
        let ciphertext = client.takeCiphertext()
        #expect(ciphertext.count > size)
        let firstAccepted = ciphertext.withUnsafeBytes { server.receiveCiphertext($0) }
        #expect(firstAccepted > 0 && firstAccepted < ciphertext.count, "a burst is accepted only partly")
        var received: [UInt8] = []
        #expect(server.readPlaintext(into: &received) == .established)
        var offset = firstAccepted
        while offset < ciphertext.count {
            let accepted = ciphertext.withUnsafeBytes { server.receiveCiphertext(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            try #require(accepted > 0)
            offset += accepted
            #expect(server.readPlaintext(into: &received) == .established)
        }
        #expect(received == upstream)

        // Server to client: in uneven chunks; each write may be cut short by the send limit.
        let downstream = patternBytes(count: size, seed: 11)
        var sent = 0
        var shortWrites = 0
        var plaintext: [UInt8] = []
        while sent < size {
            let end = min(sent + 300_007, size)
            let consumed = try downstream[sent..<end].withUnsafeBytes { try server.writePlaintext($0).get() }
            try #require(consumed > 0)
            if consumed < end - sent { shortWrites += 1 }
            sent += consumed
            pump(&server, client, into: &plaintext)
        }
        #expect(shortWrites > 0)
        #expect(client.received == downstream)
        #expect(plaintext.isEmpty)
        #expect(server.bufferedBytes == 0)
    }

    @Test func tls12OnlyClientIsRejectedByDefault() throws {
        var server = try TLSSession(context: context)
        let client = try TestClient(TestClientContext(maximumVersion: TLS1_2_VERSION))
        var plaintext: [UInt8] = []
        let progress = pump(&server, client, into: &plaintext)
        guard case .failed(let error) = progress else {
            Issue.record("expected a failed handshake, got \(progress)")
            return
        }
        #expect(error.kind == .handshakeFailed)
        #expect(error.reasons.contains { $0.contains("unsupported protocol") }, "\(error.reasons)")
        #expect(server.isHandshakeComplete == false)
        #expect(client.failure != nil, "the client saw the server's protocol_version alert")
        // The failure sticks.
        #expect(server.readPlaintext(into: &plaintext) == progress)
    }

    @Test func tls12ClientSucceedsWhenTheContextAllowsIt() throws {
        let lenient = try TLSContext(
            certificatePath: credentials.certificate, privateKeyPath: credentials.key, minimumVersion: .v1_2)
        var server = try TLSSession(context: lenient)
        let client = try TestClient(TestClientContext(maximumVersion: TLS1_2_VERSION))
        try completeHandshake(&server, client)
        #expect(server.negotiatedVersion == "TLSv1.2")

        var plaintext: [UInt8] = []
        try client.write(Array("r1 STAT\n".utf8))
        #expect(pump(&server, client, into: &plaintext) == .established)
        #expect(plaintext == Array("r1 STAT\n".utf8))

        // A TLS 1.3 client still gets TLS 1.3 from the same context.
        var modern = try TLSSession(context: lenient)
        try completeHandshake(&modern, try TestClient(clientContext))
        #expect(modern.negotiatedVersion == "TLSv1.3")
    }

    @Test func plaintextClientFailsTheHandshakeWithReasons() throws {
        var server = try TLSSession(context: context)
        let garbage = Array("r1 STAT\n".utf8)
        #expect(garbage.withUnsafeBytes { server.receiveCiphertext($0) } == garbage.count)
        var plaintext: [UInt8] = []
        let progress = server.readPlaintext(into: &plaintext)
        guard case .failed(let error) = progress else {
            Issue.record("expected a failed handshake, got \(progress)")
            return
        }
        #expect(error.kind == .handshakeFailed)
        #expect(error.reasons.contains { $0.contains("wrong version number") }, "\(error.reasons)")
        // The reason in words, without OpenSSL's `error:0A00010B:SSL routines::` code.
        #expect(error.description == "TLS handshake failed: wrong version number")
        #expect(plaintext.isEmpty)
        // Later bytes are swallowed without reviving the session; writes report the failure.
        #expect(garbage.withUnsafeBytes { server.receiveCiphertext($0) } == garbage.count)
        #expect(server.readPlaintext(into: &plaintext) == progress)
        #expect(garbage.withUnsafeBytes { server.writePlaintext($0) } == .failure(error))
    }

    @Test func partialClientHelloKeepsHandshaking() throws {
        var server = try TLSSession(context: context)
        let client = try TestClient(clientContext)
        client.drive()
        let hello = client.takeCiphertext()
        try #require(hello.count > 10)
        var plaintext: [UInt8] = []
        for byte in hello.dropLast() {
            #expect([byte].withUnsafeBytes { server.receiveCiphertext($0) } == 1)
            #expect(server.readPlaintext(into: &plaintext) == .handshaking)
        }
        #expect(server.pendingCiphertextCount == 0)
        _ = [hello.last!].withUnsafeBytes { server.receiveCiphertext($0) }
        #expect(server.readPlaintext(into: &plaintext) == .handshaking)
        #expect(server.pendingCiphertextCount > 0, "the server's flight is ready")
        #expect(pump(&server, client, into: &plaintext) == .established)
    }

    @Test func firstRequestInTheSameFlightAsFinishedIsDecrypted() throws {
        var server = try TLSSession(context: context)
        let client = try TestClient(clientContext)
        var plaintext: [UInt8] = []
        client.drive()
        let hello = client.takeCiphertext()
        #expect(hello.withUnsafeBytes { server.receiveCiphertext($0) } == hello.count)
        #expect(server.readPlaintext(into: &plaintext) == .handshaking)

        // The server's flight, taken through a small buffer.
        var flight: [UInt8] = []
        var piece = [UInt8](repeating: 0, count: 7)
        while server.pendingCiphertextCount > 0 {
            let count = piece.withUnsafeMutableBytes { server.takeCiphertext(into: $0) }
            try #require(count > 0 && count <= 7)
            flight += piece[..<count]
        }
        client.feed(flight[...])
        client.drive()
        try #require(client.handshakeComplete)

        // TLS 1.3 lets the client send its first request right behind its Finished.
        try client.write(Array("r1 STAT\n".utf8))
        let finishedAndRequest = client.takeCiphertext()
        #expect(finishedAndRequest.withUnsafeBytes { server.receiveCiphertext($0) } == finishedAndRequest.count)
        #expect(server.readPlaintext(into: &plaintext) == .established)
        #expect(plaintext == Array("r1 STAT\n".utf8))
        #expect(server.pendingCiphertextCount == 0, "no session tickets follow the handshake")
    }

    @Test func writesBeforeTheHandshakeConsumeNothing() throws {
        var server = try TLSSession(context: context)
        #expect(Array("early".utf8).withUnsafeBytes { server.writePlaintext($0) } == .success(0))
        #expect(server.pendingCiphertextCount == 0)
    }

    @Test func closeSendsCloseNotifyTheClientSeesAsCleanShutdown() throws {
        var server = try TLSSession(context: context)
        let client = try TestClient(clientContext)
        try completeHandshake(&server, client)
        let reply = Array("r1 OK\n".utf8)
        _ = reply.withUnsafeBytes { server.writePlaintext($0) }
        server.close()
        #expect(server.pendingCiphertextCount > 0)
        var plaintext: [UInt8] = []
        pump(&server, client, into: &plaintext)
        #expect(client.received == reply, "data queued before close() still arrives")
        #expect(client.sawCloseNotify)
        #expect(SSL_get_shutdown(client.ssl) & SSL_RECEIVED_SHUTDOWN != 0)
        #expect(client.failure == nil)
        #expect(server.isHandshakeComplete == true)

        #expect(reply.withUnsafeBytes { server.writePlaintext($0) } == .failure(TLSError(kind: .closed)))
        #expect(server.readPlaintext(into: &plaintext) == .failed(TLSError(kind: .closed)))
    }

    @Test func closeDuringTheHandshakeSendsNothing() throws {
        var server = try TLSSession(context: context)
        server.close()
        #expect(server.pendingCiphertextCount == 0)
        #expect(server.isHandshakeComplete == false)
        var plaintext: [UInt8] = []
        #expect(server.readPlaintext(into: &plaintext) == .failed(TLSError(kind: .closed)))
    }

    @Test func peerCloseNotifyEndsTheSessionAfterItsData() throws {
        var server = try TLSSession(context: context)
        let client = try TestClient(clientContext)
        try completeHandshake(&server, client)
        try client.write(Array("r9 STAT\n".utf8))
        client.shutdown()
        var plaintext: [UInt8] = []
        #expect(pump(&server, client, into: &plaintext) == .peerClosed)
        #expect(plaintext == Array("r9 STAT\n".utf8))
        #expect(server.readPlaintext(into: &plaintext) == .peerClosed)

        // Replies to requests that preceded close_notify can still be sent, then our close_notify.
        let reply = Array("r9 OK\n".utf8)
        #expect(reply.withUnsafeBytes { server.writePlaintext($0) } == .success(reply.count))
        server.close()
        pump(&server, client, into: &plaintext)
        #expect(client.received == reply)
        #expect(client.sawCloseNotify)
    }

    @Test func corruptedRecordAfterTheHandshakeIsAProtocolFailure() throws {
        var server = try TLSSession(context: context)
        let client = try TestClient(clientContext)
        try completeHandshake(&server, client)
        try client.write(Array("r1 STAT\n".utf8))
        var record = client.takeCiphertext()
        record[record.count - 1] ^= 0xFF
        _ = record.withUnsafeBytes { server.receiveCiphertext($0) }
        var plaintext: [UInt8] = []
        guard case .failed(let error) = server.readPlaintext(into: &plaintext) else {
            Issue.record("a tampered record must fail")
            return
        }
        #expect(error.kind == .protocolFailure)
        #expect(error.reasons.contains { $0.contains("bad record mac") || $0.contains("decryption failed") }, "\(error.reasons)")
        #expect(plaintext.isEmpty)
    }
}
