import KairosProtocol
import KairosSystem
import Testing

@testable import KairosReactor

/// TLS replies on real sockets, the reactor turned by the test (issue 9 item 10).
@Suite struct ReactorTLSOutputTests {
    /// Moves ciphertext between the in-memory TLS client and its socket, then lets it decrypt.
    static func shuttle(_ tls: TestClient, _ socket: LoopbackClient) {
        let outgoing = tls.takeCiphertext()
        if !outgoing.isEmpty { socket.send(outgoing) }
        socket.readAvailable()
        if !socket.received.isEmpty {
            tls.feed(socket.received[...])
            socket.received.removeAll()
        }
        tls.drive()
    }

    /// A large answer to a client that does not read is held as plaintext and encrypted only
    /// as the socket takes it: at most `TLSSession.sendLimit` bytes of ciphertext wait.
    @Test func ciphertextWaitingForTheSocketStaysUnderTheSendLimit() throws {
        let credentials = try TestCredentials.get()
        let context = try TLSContext(
            certificatePath: credentials.certificate, privateKeyPath: credentials.key, minimumVersion: .v1_3)
        let harness = try ReactorHarness(config: ReactorConfig(tls: context))
        let socket = try LoopbackClient(port: harness.port, receiveBuffer: 4096)
        let tls = try TestClient(TestClientContext())
        #expect(harness.turn(until: {
            Self.shuttle(tls, socket)
            return tls.handshakeComplete && harness.connections.first?.lifecycle.namespace != nil
        }))
        try tls.write(Array("r1 GET x\n".utf8))
        Self.shuttle(tls, socket)
        let request = try #require(harness.nextRequest())
        let connection = try #require(harness.connections.first)
        harness.shrinkSendBuffer(of: connection)
        var answer = patternBytes(count: 1 << 20, seed: 3)
        answer[answer.count - 1] = 0x0A
        harness.answer(request.client, answer)
        #expect(harness.turn(until: { connection.interest & Epoll.writable != 0 }))
        // One slice of plaintext is at most `sendLimit` bytes; its records add a little.
        #expect(connection.pendingSocketCount <= TLSSession.sendLimit + 1024)
        #expect(connection.pendingPlaintextCount > 0)
        var largestWaiting = 0
        let delivered = harness.turn(until: {
            Self.shuttle(tls, socket)
            largestWaiting = max(largestWaiting, connection.pendingSocketCount)
            return tls.received.count >= answer.count
        }, timeout: 20)
        #expect(delivered)
        #expect(largestWaiting <= TLSSession.sendLimit + 1024)
        #expect(tls.received == answer)
    }
}
