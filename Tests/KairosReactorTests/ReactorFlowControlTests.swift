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
        let answer = Self.bigAnswer(3 << 20)
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
        // Rings of 2: two requests in flight over all connections block everyone.
        let harness = try ReactorHarness(ringCapacity: 2)
        let x = try LoopbackClient(port: harness.port)
        let y = try LoopbackClient(port: harness.port)
        x.send("x1 GET a\n")
        let x1 = try #require(harness.nextRequest())
        y.send("y1 GET a\n")
        let y1 = try #require(harness.nextRequest())
        // y's next two requests wait for ring capacity, buffered.
        y.send("y2 GET a\ny3 GET a\n")
        #expect(harness.turn(until: { harness.reactor.stalled.count == 1 }))
        // Both answers are handled in one turn, y's first: y's buffered requests refill the
        // ring before x is settled, so x is blocked by the global limit with nothing buffered.
        harness.answer(y1, "y1 ERROR\n")
        harness.answer(x1, "x1 ERROR\n")
        let y2 = try #require(harness.nextRequest())
        let y3 = try #require(harness.nextRequest())
        #expect(y2.client == y1.client && y3.client == y1.client)
        harness.answer(y2, "y2 ERROR\n")
        harness.answer(y3, "y3 ERROR\n")
        x.send("x2 GET a\n")
        let x2 = harness.nextRequest(timeout: 2)
        #expect(x2?.client == x1.client)
    }
}
