import KairosProtocol
import KairosSystem

/// Bounds a publisher applies to its own blocking calls (D-network-runners).
struct AMQPBounds: Sendable {
    var connectMs: Int
    /// Login, channel and confirm-select replies, and the wait for a publish's confirm.
    var replyMs: Int

    /// `[runner] timeout_ms` when set, else D-network-runners's defaults: 10 s to connect, 30 s for replies.
    init(timeoutMs: Int) {
        connectMs = timeoutMs > 0 ? timeoutMs : 10_000
        replyMs = timeoutMs > 0 ? timeoutMs : 30_000
    }

    /// Longest one attempt may take before the watchdog aborts it (connect, login, channel,
    /// confirm-select, confirms, plus a second of slack).
    var attemptNs: Int64 { Int64(connectMs + 4 * replyMs + 1000) * 1_000_000 }
}

/// One publisher thread's work: it owns a connection per broker address and publishes what
/// the queue hands it, pipelined, with publisher confirms. Runs entirely on its own thread.
final class AMQPPublisher {
    private let queue: AMQPWorkQueue
    private let results: AMQPResults
    private let watchdog: AMQPWatchdog
    private let bounds: AMQPBounds
    private let caFile: String?
    private var connections: [AMQPAddress: AMQPConnection] = [:]
    /// Outcomes not yet posted: sent back in bunches, one doorbell ring at most per bunch.
    private var outcomes: [(id: UInt64, result: NetworkResult)] = []

    /// How many publishes a thread takes at once (all for one broker).
    static let batchLimit = 256

    init(queue: AMQPWorkQueue, results: AMQPResults, watchdog: AMQPWatchdog, bounds: AMQPBounds, caFile: String?) {
        self.queue = queue
        self.results = results
        self.watchdog = watchdog
        self.bounds = bounds
        self.caFile = caFile
    }

    /// The thread's body: returns once the queue is stopped, after closing its connections.
    func run() {
        while let batch = queue.take(max: Self.batchLimit) {
            // A channel closed for a missing exchange fails what was sent after it on that
            // channel, so publishes to different exchanges go in separate rounds.
            var byExchange: [Bytes: [AMQPPublish]] = [:]
            var order: [Bytes] = []
            for publish in batch {
                if byExchange[publish.exchange] == nil { order.append(publish.exchange) }
                byExchange[publish.exchange, default: []].append(publish)
            }
            for exchange in order { publishWithOneReopen(byExchange[exchange]!) }
        }
        // Close politely (brokers log abrupt closes), but within two seconds in all: past that,
        // connections are just dropped, so many unresponsive brokers cannot stretch shutdown.
        let deadline = Clock.monotonicNanoseconds() + 2_000_000_000
        for connection in connections.values {
            watchdog.release(connection.socket)
            let remainingMs = Int((deadline - Clock.monotonicNanoseconds()) / 1_000_000)
            if remainingMs > 0 { connection.close(timeoutMs: min(1000, remainingMs)) }
        }
        connections.removeAll()
    }

    /// D-network-runners: a reused connection that turns out broken is reopened once before the runs fail.
    private func publishWithOneReopen(_ publishes: [AMQPPublish]) {
        defer { flush() }
        let address = publishes[0].address
        var remaining = publishes
        var reopened = false
        while !remaining.isEmpty {
            watchdog.begin(deadline: Clock.monotonicNanoseconds() + bounds.attemptNs)
            defer { watchdog.end() }
            let reused = connections[address] != nil
            let connection: AMQPConnection
            do {
                connection = try self.connection(for: address)
            } catch {
                fail(remaining, watchdog.aborted ? "timed out (\(error.detail))" : error.detail)
                return
            }
            if reused && !watchdog.adopt(connection.socket) {
                drop(address)
                fail(remaining, "timed out")
                return
            }
            switch attempt(remaining, on: connection) {
            case .done:
                remaining = []
            case .broken(let unresolved, let detail):
                drop(address)
                if reused && !reopened && !watchdog.aborted {
                    reopened = true
                    remaining = unresolved
                } else {
                    fail(unresolved, watchdog.aborted ? "timed out (\(detail))" : detail)
                    remaining = []
                }
            }
            flush()
        }
    }

    private enum Attempt {
        case done
        /// The connection failed; these publishes have no outcome yet.
        case broken([AMQPPublish], String)
    }

    /// Publishes everything, then waits for each confirm. A job id may appear once per round
    /// (a basic.return is matched to its publish by body), so repeats go in the next round.
    private func attempt(_ publishes: [AMQPPublish], on connection: AMQPConnection) -> Attempt {
        var round = publishes
        while !round.isEmpty {
            if !connection.channelOpen {
                do {
                    try connection.openChannel()
                } catch {
                    if case .connection = error { return .broken(round, error.detail) }
                    fail(round, error.detail)
                    return .done
                }
            }
            var pending: [UInt64: AMQPPublish] = [:]
            var bodies: Set<Bytes> = []
            var later: [AMQPPublish] = []
            for (index, publish) in round.enumerated() {
                guard bodies.insert(publish.body).inserted else {
                    later.append(publish)
                    continue
                }
                do {
                    let tag = try connection.publish(exchange: publish.exchange, routingKey: publish.routingKey, body: publish.body)
                    pending[tag] = publish
                } catch {
                    return .broken(Array(pending.values) + later + Array(round[index...]), error.detail)
                }
            }
            if let broken = awaitConfirms(&pending, on: connection) { return broken }
            round = later
        }
        return .done
    }

    /// Resolves `pending` from the broker's confirms, returns and closes.
    private func awaitConfirms(_ pending: inout [UInt64: AMQPPublish], on connection: AMQPConnection) -> Attempt? {
        var returned: [UInt64: String] = [:]
        let deadline = Clock.monotonicNanoseconds() + Int64(bounds.replyMs) * 1_000_000
        while !pending.isEmpty {
            let event: AMQPEvent
            do {
                event = try connection.nextEvent(deadline: deadline, now: Clock.monotonicNanoseconds)
            } catch {
                switch error {
                case .connection(let detail):
                    return .broken(pending.values.sorted { $0.id < $1.id }, detail)
                case .channel(let detail):
                    fail(Array(pending.values), detail)
                    pending.removeAll()
                    return nil
                }
            }
            switch event {
            case .ack(let tag, let multiple), .nack(let tag, let multiple):
                let acked: Bool = if case .ack = event { true } else { false }
                let tags = multiple ? pending.keys.filter { $0 <= tag } : [tag]
                for tag in tags {
                    guard let publish = pending.removeValue(forKey: tag) else { continue }
                    if let why = returned.removeValue(forKey: tag) {
                        outcomes.append((publish.id, .failed(why)))
                    } else if acked {
                        outcomes.append((publish.id, .succeeded("broker ack")))
                    } else {
                        outcomes.append((publish.id, .failed("broker nack")))
                    }
                }
                flush()
            case .returned(let code, let text, let body):
                if let tag = pending.first(where: { $0.value.body == body })?.key {
                    returned[tag] = "returned by the broker (unroutable): \(code) \(text)"
                }
            case .timeout:
                fail(Array(pending.values), "no confirm from the broker within \(bounds.replyMs) ms")
                pending.removeAll()
                // Late confirms would arrive on this connection: start afresh next time.
                return .broken([], "confirm timeout")
            }
        }
        return nil
    }

    private func connection(for address: AMQPAddress) throws(AMQPFailure) -> AMQPConnection {
        if let connection = connections[address] { return connection }
        let connection = try AMQPConnection(
            address: address, connectTimeoutMs: bounds.connectMs, rpcTimeoutMs: bounds.replyMs, caFile: caFile,
            watchdog: watchdog)
        connections[address] = connection
        return connection
    }

    /// Forgets a broken connection; its descriptor closes with it.
    private func drop(_ address: AMQPAddress) {
        guard let connection = connections.removeValue(forKey: address) else { return }
        watchdog.release(connection.socket)
    }

    private func fail(_ publishes: [AMQPPublish], _ detail: String) {
        for publish in publishes { outcomes.append((publish.id, .failed(detail))) }
    }

    private func flush() {
        guard !outcomes.isEmpty else { return }
        results.post(outcomes)
        outcomes.removeAll(keepingCapacity: true)
    }
}
