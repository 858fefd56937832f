import Glibc
import KairosSystem
import Testing

@testable import KairosReactor

/// A connect or handshake storm gets a bounded share of each reactor turn (D-limits), so the
/// established clients served in the same turns are not starved.
@Suite struct ReactorStormTests {
    @Test func oneTurnAcceptsAtMostItsBudget() throws {
        let harness = try ReactorHarness()
        var clients: [LoopbackClient] = []
        for _ in 0..<(Reactor.acceptsPerTurn + 36) { clients.append(try LoopbackClient(port: harness.port)) }
        _ = harness.reactor.turn(maxWaitMs: 1000)
        #expect(harness.reactor.liveConnections == Reactor.acceptsPerTurn)
        // The rest follow in the next turns.
        #expect(harness.turn(until: { harness.reactor.liveConnections == clients.count }))
    }

    @Test func oneTurnRunsAtMostItsBudgetOfHandshakeSteps() throws {
        let credentials = try TestCredentials.get()
        let context = try TLSContext(
            certificatePath: credentials.certificate, privateKeyPath: credentials.key, minimumVersion: .v1_3)
        let harness = try ReactorHarness(config: ReactorConfig(tls: context))
        let count = Reactor.handshakeStepsPerTurn * 3
        var sockets: [LoopbackClient] = []
        var sessions: [TestClient] = []
        for _ in 0..<count {
            let socket = try LoopbackClient(port: harness.port)
            let session = try TestClient(TestClientContext())
            session.drive()
            socket.send(session.takeCiphertext())  // the ClientHello
            sockets.append(socket)
            sessions.append(session)
        }
        #expect(harness.turn(until: { harness.reactor.liveConnections == count }))
        // Every ClientHello is waiting; one turn answers at most the budget's worth.
        _ = harness.reactor.turn(maxWaitMs: 1000)
        let answered = sockets.filter { socket in
            var byte: UInt8 = 0
            return recv(socket.fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) == 1
        }
        #expect(answered.count == Reactor.handshakeStepsPerTurn)
    }
}
