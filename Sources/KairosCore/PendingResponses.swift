import KairosProtocol

/// Answers waiting for the journal (K19), released strictly in arrival order so every connection
/// sees its responses in request order and no read overtakes a mutation it observed.
///
/// A mutation's `<id> OK` is not built until it is released: neighbouring answers for the same
/// connection are then written into one buffer, so a pipelined burst of SETs costs one
/// allocation instead of one per request.
struct PendingResponses {
    private struct Pending {
        var client: ClientTag
        /// A read's finished answer; nil for a mutation, answered `OK` (or `ERROR` if its entry is lost).
        var bytes: [UInt8]?
        /// Released once the journal is durable through this sequence.
        var requiredSequence: UInt64
        /// For a mutation: its request id.
        var mutationID: Bytes?
    }

    private var queue = RingDeque<Pending>()

    var count: Int { queue.count }

    /// Queues a read (or a refusal): it waits only for entries appended before it.
    mutating func enqueueRead(_ client: ClientTag, _ bytes: [UInt8], after sequence: UInt64) {
        queue.append(Pending(client: client, bytes: bytes, requiredSequence: sequence, mutationID: nil))
    }

    /// Queues a mutation's `OK`, tied to the sequence of its own journal entry.
    mutating func enqueueMutation(_ client: ClientTag, requestID: Bytes, sequence: UInt64) {
        queue.append(Pending(client: client, bytes: nil, requiredSequence: sequence, mutationID: requestID))
    }

    /// Emits, in order, every answer at the front whose entries are durable, merging
    /// neighbours that go to the same connection.
    mutating func release(durableThrough durable: UInt64, _ emit: (ResponseEnvelope) -> Void) {
        releaseRuns(while: { $0.requiredSequence <= durable }, lostAfter: UInt64.max, emit)
    }

    /// After a journal failure everything past `durable` is lost: emits every queued answer in
    /// order, turning mutations whose entry was lost into `<id> ERROR`; reads keep their answer.
    mutating func releaseAfterFailure(durableThrough durable: UInt64, _ emit: (ResponseEnvelope) -> Void) {
        releaseRuns(while: { _ in true }, lostAfter: durable, emit)
    }

    /// Pops answers while `ready` holds; a mutation whose sequence is past `lostAfter` gets `ERROR`.
    private mutating func releaseRuns(
        while ready: (Pending) -> Bool, lostAfter: UInt64, _ emit: (ResponseEnvelope) -> Void
    ) {
        while let front = queue.first, ready(front) {
            let client = front.client
            var first = queue.removeFirst()
            // A lone read goes out as built, without a copy.
            if first.mutationID == nil, queue.first.map({ $0.client != client || !ready($0) }) ?? true {
                emit(ResponseEnvelope(client: client, bytes: first.bytes ?? []))
                continue
            }
            var out: [UInt8] = []
            out.reserveCapacity(128)
            var answered = 0
            while true {
                Self.write(&first, lostAfter: lostAfter, to: &out)
                answered += 1
                guard let next = queue.first, next.client == client, ready(next) else { break }
                first = queue.removeFirst()
            }
            emit(ResponseEnvelope(client: client, bytes: out, count: answered))
        }
    }

    private static func write(_ pending: inout Pending, lostAfter: UInt64, to out: inout [UInt8]) {
        if let requestID = pending.mutationID {
            if pending.requiredSequence > lostAfter {
                ResponseEncoder.appendError(id: requestID, to: &out)
            } else {
                ResponseEncoder.appendOK(id: requestID, to: &out)
            }
        } else if let bytes = pending.bytes {
            out.append(contentsOf: bytes)
        }
    }
}
