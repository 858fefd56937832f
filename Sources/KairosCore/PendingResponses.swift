import KairosProtocol

/// Answers waiting for the journal (K19), released strictly in arrival order so every connection
/// sees its responses in request order and no read overtakes a mutation it observed.
struct PendingResponses {
    private struct Pending {
        var client: ClientTag
        var bytes: [UInt8]
        /// Released once the journal is durable through this sequence.
        var requiredSequence: UInt64
        /// For a mutation: its request id, to answer `ERROR` if its own entry fails (K12).
        var mutationID: Bytes?
    }

    private var queue = RingDeque<Pending>()

    var count: Int { queue.count }

    /// Queues a read (or a refusal): it waits only for entries appended before it.
    mutating func enqueueRead(_ client: ClientTag, _ bytes: [UInt8], after sequence: UInt64) {
        queue.append(Pending(client: client, bytes: bytes, requiredSequence: sequence, mutationID: nil))
    }

    /// Queues a mutation's answer, tied to the sequence of its own journal entry.
    mutating func enqueueMutation(_ client: ClientTag, requestID: Bytes, _ bytes: [UInt8], sequence: UInt64) {
        queue.append(Pending(client: client, bytes: bytes, requiredSequence: sequence, mutationID: requestID))
    }

    /// Emits, in order, every answer at the front whose entries are durable.
    mutating func release(durableThrough durable: UInt64, _ emit: (ResponseEnvelope) -> Void) {
        while let front = queue.first, front.requiredSequence <= durable {
            let pending = queue.removeFirst()
            emit(ResponseEnvelope(client: pending.client, bytes: pending.bytes))
        }
    }

    /// After a journal failure everything past `durable` is lost: emits every queued answer in
    /// order, turning mutations whose entry was lost into `<id> ERROR`; reads keep their answer.
    mutating func releaseAfterFailure(durableThrough durable: UInt64, _ emit: (ResponseEnvelope) -> Void) {
        while !queue.isEmpty {
            let pending = queue.removeFirst()
            if let requestID = pending.mutationID, pending.requiredSequence > durable {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(requestID.count + 7)
                ResponseEncoder.appendError(id: requestID, to: &bytes)
                emit(ResponseEnvelope(client: pending.client, bytes: bytes))
            } else {
                emit(ResponseEnvelope(client: pending.client, bytes: pending.bytes))
            }
        }
    }
}
