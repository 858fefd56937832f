import KairosProtocol
import KairosSystem
import Testing

@testable import KairosReactor

/// Flow control on real sockets, the reactor turned by the test (issue 9 item 3).
@Suite struct ReactorFlowControlTests {
    /// Bytes that make a lost or reordered chunk visible, ending in a newline.
    static func bigAnswer(_ count: Int) -> [UInt8] {
        var bytes = patternBytes(count: count - 1, seed: 7).map { $0 == 0x0A ? 0x20 : $0 }
        bytes.append(0x0A)
        return bytes
    }

    /// A request held back because the connection's output was over the high-water mark runs
    /// once the socket has taken that output, even when the last bytes leave through a
    /// writable event and the client sends nothing more.
    @Test func heldBackRequestRunsOnceWritableEventsDrainTheOutput() throws {
        var config = ReactorConfig()
        config.maxInFlightPerConnection = 1
        config.outputHighWater = 1024
        let harness = try ReactorHarness(config: config)
        let client = try LoopbackClient(port: harness.port, receiveBuffer: 4096)
        // `a` waits behind `r0` (one in flight at most), then behind r0's large answer.
        client.send("r0 GET x\na GET y\n")
        let first = try #require(harness.nextRequest())
        harness.shrinkSendBuffer(of: try #require(harness.connections.first))
        let answer = Self.bigAnswer(1 << 20)
        harness.answer(first.client, answer)
        let blocked = harness.turn(until: {
            guard let connection = harness.connections.first else { return false }
            return connection.interest & Epoll.writable != 0 && connection.pendingInputCount > 0
        })
        #expect(blocked)
        // The client reads; the output drains through writable events only.
        var second: RequestEnvelope?
        harness.turn(until: {
            client.readAvailable()
            second = harness.requests.pop()
            return second != nil
        }, timeout: 10)
        let request = try #require(second)
        harness.answer(request, "a ERROR\n")
        let expected = answer + Array("a ERROR\n".utf8)
        harness.turn(until: {
            client.readAvailable()
            return client.received.count >= expected.count
        })
        #expect(client.received == expected)
    }

    /// A connection blocked only by the global in-flight limit, with nothing buffered, gets
    /// read interest back once the ring has room (it used to lose it for good).
    @Test func connectionBlockedByTheGlobalLimitWithNothingBufferedIsResumed() throws {
        // Rings of 4: four requests in flight over all connections block everyone.
        let harness = try ReactorHarness(ringCapacity: 4)
        let x = try LoopbackClient(port: harness.port)
        let y = try LoopbackClient(port: harness.port)
        x.send("x1 GET a\n")
        let x1 = try #require(harness.nextRequest())
        // y1..y3 fill the ring; y4 and y5 wait, buffered, for ring capacity.
        y.send("y1 GET a\ny2 GET a\ny3 GET a\ny4 GET a\ny5 GET a\n")
        #expect(harness.turn(until: { harness.reactor.stalled.count == 1 }))
        var ys: [RequestEnvelope] = []
        for _ in 0..<3 { ys.append(try #require(harness.nextRequest())) }
        // Both answers are handled in one turn, y's first: y4 and y5 refill the ring before x
        // is settled, so x is blocked by the global limit with nothing of its own buffered.
        harness.answer(ys[0], "y1 ERROR\n")
        harness.answer(x1, "x1 ERROR\n")
        for _ in 0..<2 { ys.append(try #require(harness.nextRequest())) }
        for request in ys.dropFirst() { harness.answer(request, "y ERROR\n") }
        x.send("x2 GET a\n")
        let x2 = harness.nextRequest(timeout: 2)
        #expect(x2?.client == x1.client)
    }

    /// A half-closed connection whose last answer leaves while other connections fill the ring
    /// is closed all the same: with nothing of its own left, it has no reason to wait.
    @Test func drainedConnectionClosesWhileTheRingIsFull() throws {
        let harness = try ReactorHarness(ringCapacity: 4)
        let x = try LoopbackClient(port: harness.port)
        let y = try LoopbackClient(port: harness.port)
        x.send("x1 GET a\n")
        x.shutdownWrite()
        let x1 = try #require(harness.nextRequest())
        #expect(harness.turn(until: { harness.connections.first?.lifecycle.isDraining == true }))
        y.send("y1 GET a\ny2 GET a\ny3 GET a\ny4 GET a\ny5 GET a\n")
        #expect(harness.turn(until: { harness.reactor.stalled.count == 1 }))
        var ys: [RequestEnvelope] = []
        for _ in 0..<3 { ys.append(try #require(harness.nextRequest())) }
        // y's buffered requests refill the ring in the same turn that x's last answer leaves.
        harness.answer(ys[0], "y1 ERROR\n")
        harness.answer(x1, "x1 ERROR\n")
        let closed = harness.turn(until: {
            x.readAvailable()
            return x.sawEOF
        }, timeout: 2)
        #expect(closed)
        #expect(x.received == Array("x1 ERROR\n".utf8))
    }
}
