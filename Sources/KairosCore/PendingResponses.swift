import KairosProtocol
import KairosSync

/// Answers waiting for the journal (K19), released strictly in arrival order so every connection
/// sees its responses in request order and no read overtakes a mutation it observed.
///
/// The common one-line answers (`OK`, `ERROR`, a GET's `OK <status> <execution>`) are kept as
/// values and only written out on release, where neighbouring answers for the same connection
/// share one buffer: a pipelined burst fills one buffer instead of one per request. With a
/// `BufferExchange`, that buffer is a recycled one and every released request's id and operand
/// arrays go back to the reactor's parser, so steady traffic allocates nothing here.
struct PendingResponses {
    private enum Body {
        /// A mutation: `OK`, or `ERROR` if its journal entry is lost (K12).
        case mutation
        case error
        /// A GET that found its job; the values are taken when the request is handled.
        case job(JobStatus, Int64)
        /// Any other finished answer (QUERY, LISTRULES, STAT).
        case bytes([UInt8])
    }

    private struct Pending {
        var client: ClientTag
        var requestID: Bytes
        /// The request's operand (job, rule or prefix id), handed back for reuse on release.
        var operand: Bytes = []
        var body: Body
        /// Released once the journal is durable through this sequence.
        var requiredSequence: UInt64
    }

    private var queue = RingDeque<Pending>()
    /// Where spent request arrays go and answer buffers come from (nil: plain allocation).
    private let buffers: BufferExchange?

    init(buffers: BufferExchange? = nil) {
        self.buffers = buffers
    }

    var count: Int { queue.count }

    /// Queues a finished read answer: it waits only for entries appended before it.
    mutating func enqueueRead(_ client: ClientTag, _ bytes: [UInt8], requestID: Bytes, after sequence: UInt64) {
        queue.append(Pending(client: client, requestID: requestID, body: .bytes(bytes), requiredSequence: sequence))
    }

    /// Queues `<id> ERROR` for a request that changes nothing.
    mutating func enqueueError(_ client: ClientTag, requestID: Bytes, after sequence: UInt64) {
        queue.append(Pending(client: client, requestID: requestID, body: .error, requiredSequence: sequence))
    }

    /// Queues a GET's `<id> OK <status> <execution>`.
    mutating func enqueueJob(
        _ client: ClientTag, requestID: Bytes, status: JobStatus, execution: Int64, after sequence: UInt64
    ) {
        queue.append(
            Pending(client: client, requestID: requestID, body: .job(status, execution), requiredSequence: sequence))
    }

    /// Queues a mutation's `OK`, tied to the sequence of its own journal entry.
    mutating func enqueueMutation(_ client: ClientTag, requestID: Bytes, sequence: UInt64) {
        queue.append(Pending(client: client, requestID: requestID, body: .mutation, requiredSequence: sequence))
    }

    /// Hands the request's operand array to the answer queued last, so it is recycled with the
    /// request id once that answer is out (and nothing on the core refers to it any more).
    mutating func attachOperand(_ operand: Bytes) {
        guard !queue.isEmpty, operand.capacity > 0 else { return }
        queue[queue.count - 1].operand = operand
    }

    /// Emits, in order, every answer at the front whose entries are durable, merging
    /// neighbours that go to the same connection.
    mutating func release(durableThrough durable: UInt64, _ emit: (ResponseEnvelope) -> Void) {
        releaseRuns(while: { $0 <= durable }, lostAfter: UInt64.max, emit)
    }

    /// After a journal failure everything past `durable` is lost: emits every queued answer in
    /// order, turning mutations whose entry was lost into `<id> ERROR`; reads keep their answer.
    mutating func releaseAfterFailure(durableThrough durable: UInt64, _ emit: (ResponseEnvelope) -> Void) {
        releaseRuns(while: { _ in true }, lostAfter: durable, emit)
    }

    /// Whether the front answer exists and `ready` holds for its required sequence.
    private func frontIsReady(_ ready: (UInt64) -> Bool, for client: ClientTag? = nil) -> Bool {
        guard !queue.isEmpty else { return false }
        let front = queue[0]
        if let client, front.client != client { return false }
        return ready(front.requiredSequence)
    }

    /// Pops answers while `ready` holds; a mutation whose sequence is past `lostAfter` gets `ERROR`.
    private mutating func releaseRuns(
        while ready: (UInt64) -> Bool, lostAfter: UInt64, _ emit: (ResponseEnvelope) -> Void
    ) {
        while frontIsReady(ready) {
            var pending = queue.removeFirst()
            let client = pending.client
            // A lone finished answer goes out as built, without a copy.
            if case .bytes(let bytes) = pending.body, !frontIsReady(ready, for: client) {
                pending.body = .error  // drop the second reference before the buffer travels
                recycle(&pending)
                emit(ResponseEnvelope(client: client, bytes: bytes))
                continue
            }
            var out = buffers?.answerBuffers.take() ?? []
            if out.capacity < 128 { out.reserveCapacity(128) }
            var answered = 0
            while true {
                Self.write(pending, lostAfter: lostAfter, to: &out)
                recycle(&pending)
                answered += 1
                guard frontIsReady(ready, for: client) else { break }
                pending = queue.removeFirst()
            }
            emit(ResponseEnvelope(client: client, bytes: out, count: answered))
        }
    }

    /// Gives an answered request's arrays back to the parser. They are moved out first so the
    /// recycler holds the only reference and the reactor can refill them in place.
    private func recycle(_ pending: inout Pending) {
        guard let buffers else { return }
        var id: Bytes = []
        swap(&id, &pending.requestID)
        buffers.requestArrays.give(consume id)
        var operand: Bytes = []
        swap(&operand, &pending.operand)
        buffers.requestArrays.give(consume operand)
    }

    private static func write(_ pending: Pending, lostAfter: UInt64, to out: inout [UInt8]) {
        switch pending.body {
        case .mutation where pending.requiredSequence > lostAfter, .error:
            ResponseEncoder.appendError(id: pending.requestID, to: &out)
        case .mutation:
            ResponseEncoder.appendOK(id: pending.requestID, to: &out)
        case .job(let status, let execution):
            ResponseEncoder.beginLine(id: pending.requestID, to: &out)
            ResponseEncoder.append("OK ", to: &out)
            ResponseEncoder.append(status.name, to: &out)
            ResponseEncoder.appendSpace(&out)
            ResponseEncoder.appendDecimal(execution, to: &out)
            ResponseEncoder.endLine(&out)
        case .bytes(let bytes):
            out.append(contentsOf: bytes)
        }
    }
}
