import Glibc
import KairosProtocol
import KairosSystem
import Synchronization
import Testing
@testable import KairosRunners

/// The amqp runner's thread hand-off: the work queue and the result list with its doorbell.
@Suite struct AMQPHandoffTests {
    private func publish(_ id: UInt64, host: String) -> AMQPPublish {
        AMQPPublish(id: id, address: AMQPAddress(tls: false, user: "u", password: "p", host: host, port: 5672, vhost: "/"),
                    exchange: [], routingKey: Array("k".utf8), body: Array("job\(id)".utf8))
    }

    @Test func takeGroupsTheOldestBrokersPublishesAndLeavesTheRestInOrder() {
        let queue = AMQPWorkQueue()
        for (id, host) in [(1, "a"), (2, "b"), (3, "a"), (4, "b"), (5, "a")] { queue.push(publish(UInt64(id), host: host)) }
        #expect(queue.take(max: 2)?.map(\.id) == [1, 3])
        #expect(queue.take(max: 10)?.map(\.id) == [2, 4])
        #expect(queue.take(max: 10)?.map(\.id) == [5])
    }

    @Test func cancelDropsOnlyWhatNoThreadTook() {
        let queue = AMQPWorkQueue()
        queue.push(publish(1, host: "a"))
        queue.push(publish(2, host: "b"))
        #expect(queue.take(max: 10)?.map(\.id) == [1])
        #expect(queue.cancel(1) == false)
        #expect(queue.cancel(2) == true)
        queue.stop()
        #expect(queue.take(max: 10) == nil)
    }

    @Test func stopWakesAThreadWaitingForWork() throws {
        let queue = AMQPWorkQueue()
        let gotNil = Flag()
        let thread = try WorkerThread {
            if queue.take(max: 1) == nil { gotNil.value.store(true, ordering: .releasing) }
        }
        usleep(50_000)  // let it block in take; stop must wake it either way
        queue.stop()
        thread.join()
        let woke = gotNil.value.load(ordering: .acquiring)
        #expect(woke)
    }

    @Test func resultsRingOncePerEmptyListAndDrainInOrder() throws {
        let results = try AMQPResults()
        results.post([(1, .succeeded("broker ack"))])
        results.post([(2, .failed("broker nack")), (3, .succeeded("broker ack"))])
        // The eventfd counts rings: one, since the second post found the list non-empty.
        var counter: UInt64 = 0
        #expect(read(results.doorbell.descriptor.rawValue, &counter, 8) == 8)
        #expect(counter == 1)
        results.post([(4, .failed("x"))])
        let drained = results.drain()
        #expect(drained.map(\.id) == [1, 2, 3, 4])
        #expect(drained.map(\.result) == [.succeeded("broker ack"), .failed("broker nack"), .succeeded("broker ack"), .failed("x")])
        #expect(results.drain().isEmpty)
    }
}

private final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}
