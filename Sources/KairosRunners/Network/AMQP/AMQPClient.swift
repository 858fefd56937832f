import KairosProtocol
import KairosSystem
import Logging

/// The amqp runner (D-network-runners): publishes each job id, persistent and mandatory, with publisher
/// confirms, through rabbitmq-c.
///
/// rabbitmq-c only blocks, so the publishing happens on a small fixed set of publisher threads
/// fed through `AMQPWorkQueue`; each thread owns one connection (channel 1, confirm mode) per
/// broker address. Results come back through `AMQPResults`, whose doorbell is watched by the
/// runner thread's epoll set. Everything here runs on the runner thread.
final class AMQPClient: NetworkClient {
    private static let doorbellKey: UInt32 = 0

    private let context: NetworkClientContext
    private let queue = AMQPWorkQueue()
    private let results: AMQPResults
    private let watchdogs: [AMQPWatchdog]
    private var threads: [WorkerThread] = []
    /// Calls started and neither finished nor cancelled: a result for any other id is dropped.
    private var inflight: Set<UInt64> = []

    init(_ context: NetworkClientContext, publishers: Int = 2) throws(Errno) {
        self.context = context
        results = try AMQPResults()
        watchdogs = (0..<max(1, publishers)).map { _ in AMQPWatchdog() }
        try context.registrar.watch(results.doorbell.descriptor, events: Epoll.readable, key: Self.doorbellKey)
        let bounds = AMQPBounds(timeoutMs: context.config.timeoutMs)
        let (queue, results, caFile) = (queue, results, context.config.httpCAFile)
        for watchdog in watchdogs {
            do {
                // Only Sendable parts cross; the publisher (and its connections) is born on its thread.
                threads.append(try WorkerThread(name: "kairos-amqp") {
                    AMQPPublisher(queue: queue, results: results, watchdog: watchdog, bounds: bounds, caFile: caFile).run()
                })
            } catch {
                close()
                throw error
            }
        }
    }

    func start(_ call: NetworkCall) {
        guard case .amqp(let dsn, let exchange, let routingKey) = call.runner else {
            context.complete(call.id, .failed("not an amqp rule"))
            return
        }
        let address: AMQPAddress
        do {
            address = try AMQPAddress.parse(dsn)
        } catch {
            context.complete(call.id, .failed(error.description))
            return
        }
        inflight.insert(call.id)
        queue.push(AMQPPublish(id: call.id, address: address, exchange: exchange, routingKey: routingKey, body: call.jobID))
    }

    func cancel(_ id: UInt64) {
        guard inflight.remove(id) != nil else { return }
        queue.cancel(id)
    }

    func handle(key: UInt32, events: UInt32) {
        guard key == Self.doorbellKey else { return }
        for (id, result) in results.drain() where inflight.remove(id) != nil {
            context.complete(id, result)
        }
    }

    /// A publisher attempt's deadline: the watchdog for sends rabbitmq-c does not bound.
    var nextWakeup: Int64? {
        guard !inflight.isEmpty else { return nil }
        return watchdogs.compactMap(\.deadline).min()
    }

    func tick(now: Int64) {
        for watchdog in watchdogs {
            if let deadline = watchdog.deadline, deadline <= now { watchdog.abort() }
        }
    }

    /// Stops the publishers: idle ones leave `take`, busy ones have their socket shut down so a
    /// blocked call returns at once; each closes its connections (bounded) and is joined.
    func close() {
        queue.stop()
        for watchdog in watchdogs { watchdog.abort(closing: true) }
        for thread in threads { thread.join() }
        threads.removeAll()
        context.registrar.unwatch(results.doorbell.descriptor)
        inflight.removeAll()
    }
}
