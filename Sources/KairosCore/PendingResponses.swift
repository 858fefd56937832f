import KairosProtocol
import KairosSync

/// Answers waiting for the journal (D-durable-acks), released strictly in arrival order so every connection
/// sees its responses in request order and no read overtakes a mutation it observed.
///
/// The common one-line answers (`OK`, `ERROR`, a GET's `OK <status> <execution>`) are kept as
/// values and only written out on release, where neighbouring answers for the same connection
/// share one buffer: a pipelined burst fills one buffer instead of one per request. With a
/// `BufferExchange`, that buffer is a recycled one and every released request's id and operand
/// arrays go back to the reactor's parser, so steady traffic allocates nothing here.
///
/// A listing too long to build at once (D-limits) leaves the queue, once its turn comes, for its
/// connection's *lane*: there it is written a part at a time, and every later answer of that
/// connection waits in the lane behind it, so the connection still sees its answers in request
/// order while other connections' answers go past. A lane pauses after `drainWindow` bytes until
/// the reactor reports the connection's output drained.
struct PendingResponses {
    private enum Body {
        /// A mutation: `OK`, or `ERROR` if its journal entry is lost (D-write-ahead).
        case mutation
        case error
        /// A GET that found its job; the values are taken when the request is handled.
        case job(JobStatus, Int64)
        /// Any other finished answer (QUERY, LISTRULES, STAT).
        case bytes([UInt8])
        /// A QUERY or LISTRULES answer written in parts.
        case stream(AnswerStream)
        /// A later part of the listing at the head of its connection's lane, waiting for the
        /// journal entries it may show; `last` finishes the request.
        case part([UInt8], last: Bool, wantsDrainNotice: Bool)

        /// Written out whole on release (may share a buffer with its neighbours).
        var isWhole: Bool {
            switch self {
            case .stream, .part: false
            case .mutation, .error, .job, .bytes: true
            }
        }
    }

    /// A connection whose listing is being written: the listing first, then every later answer
    /// of that connection, in order, each already released from the queue.
    private struct Lane {
        var answers = RingDeque<Pending>()
        /// A part of the front listing waits in the queue for the journal.
        var partQueued = false
        /// Paused until the reactor reports the connection's output drained.
        var awaitingDrain = false
        /// Bytes of listings emitted since the lane last resumed.
        var emitted = 0

        var canAdvance: Bool { !partQueued && !awaitingDrain && !answers.isEmpty }
        var isIdle: Bool { !partQueued && !awaitingDrain && answers.isEmpty }
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
    private var lanes: [ClientTag: Lane] = [:]
    /// Lanes in round-robin order (a lane may be listed after it went idle; it is dropped then).
    private var laneOrder = RingDeque<ClientTag>()
    /// Listing bytes a connection may be sent before the core waits for its output to drain:
    /// the reactor's high-water mark, past which it also stops reading that connection (D-connections).
    static let drainWindow = 1 << 20
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

    /// Queues a listing whose first part is written; it continues in its connection's lane.
    mutating func enqueueStream(_ client: ClientTag, _ stream: AnswerStream, requestID: Bytes, after sequence: UInt64) {
        queue.append(Pending(client: client, requestID: requestID, body: .stream(stream), requiredSequence: sequence))
    }

    /// Hands the request's operand array to the answer queued last, so it is recycled with the
    /// request id once that answer is out (and nothing on the core refers to it any more).
    mutating func attachOperand(_ operand: Bytes) {
        guard !queue.isEmpty, operand.capacity > 0 else { return }
        queue.withElement(at: queue.count - 1) { $0.operand = operand }
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

    /// Whether the front answer exists and `ready` holds for its required sequence; with
    /// `client`, also whether it is a whole answer for that client (one to merge).
    private mutating func frontIsReady(_ ready: (UInt64) -> Bool, for client: ClientTag? = nil) -> Bool {
        guard !queue.isEmpty else { return false }
        return queue.withElement(at: 0) { front in
            if let client, front.client != client || !front.body.isWhole { return false }
            return ready(front.requiredSequence)
        }
    }

    /// Pops answers while `ready` holds; a mutation whose sequence is past `lostAfter` gets `ERROR`.
    private mutating func releaseRuns(
        while ready: (UInt64) -> Bool, lostAfter: UInt64, _ emit: (ResponseEnvelope) -> Void
    ) {
        while frontIsReady(ready) {
            var pending = queue.removeFirst()
            let client = pending.client
            if case .part(let bytes, let last, let wantsDrainNotice) = pending.body {
                pending.body = .error  // drop the second reference before the buffer travels
                recycle(&pending)
                lanes[client]?.partQueued = false
                emit(
                    ResponseEnvelope(
                        client: client, bytes: bytes, count: last ? 1 : 0, wantsDrainNotice: wantsDrainNotice))
                continue
            }
            if !pending.body.isWhole || (!lanes.isEmpty && lanes[client] != nil) {
                // Behind (or itself) a listing of the same connection: waits in its lane.
                if case .mutation = pending.body, pending.requiredSequence > lostAfter { pending.body = .error }
                joinLane(pending)
                continue
            }
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
        case .stream, .part:
            preconditionFailure("a listing is written by its lane")
        }
    }

    // MARK: Lanes (D-limits)

    var hasLanes: Bool { !lanes.isEmpty }

    /// Some lane can make progress now.
    var hasAdvanceableLane: Bool { lanes.values.contains { $0.canAdvance } }

    private mutating func joinLane(_ pending: Pending) {
        if lanes[pending.client] == nil {
            lanes[pending.client] = Lane()
            laneOrder.append(pending.client)
        }
        lanes[pending.client]!.answers.append(pending)
    }

    /// Gives each lane that may proceed one step, in round-robin order, until `byteBudget`
    /// listing bytes or `partRoom` partial answers are spent. A step emits the whole answers at
    /// the front of the lane, or the next part of its front listing (`write` appends it and
    /// returns whether the listing is complete). A part is emitted at once when
    /// `partsReadyAt` is nil (everything journaled is durable); otherwise it is queued behind
    /// that sequence, since it may show mutations not yet durable.
    mutating func advanceLanes(
        partRoom: Int, byteBudget: Int, partsReadyAt: UInt64?,
        write: (inout AnswerStream, Bytes, inout [UInt8]) -> Bool, _ emit: (ResponseEnvelope) -> Void
    ) {
        var room = partRoom
        var bytesLeft = byteBudget
        var visits = laneOrder.count
        while visits > 0, room > 0, bytesLeft > 0 {
            visits -= 1
            let client = laneOrder.removeFirst()
            // Taken out of the dictionary so its queue is not shared (and copied) while it changes.
            guard var lane = lanes.removeValue(forKey: client) else { continue }
            if lane.canAdvance {
                bytesLeft -= step(&lane, client, readyAt: partsReadyAt, write: write, emit)
                room -= 1
            }
            if lane.isIdle { continue }
            lanes[client] = lane
            laneOrder.append(client)
        }
    }

    /// One step of `lane`; returns the listing bytes it emitted or queued.
    private mutating func step(
        _ lane: inout Lane, _ client: ClientTag, readyAt: UInt64?,
        write: (inout AnswerStream, Bytes, inout [UInt8]) -> Bool, _ emit: (ResponseEnvelope) -> Void
    ) -> Int {
        guard case .stream(var stream) = lane.answers[0].body else {
            emitWholeAnswers(from: &lane, client, emit)
            return 0
        }
        lane.answers[0].body = .error  // the stream is changed below: keep one reference to it
        var out: [UInt8]
        var finished = false
        var ready = true
        if stream.firstPart.isEmpty {
            out = buffers?.answerBuffers.take() ?? []
            finished = write(&stream, lane.answers[0].requestID, &out)
            ready = readyAt == nil
        } else {
            // Written when the request was handled, which was released before it got here.
            out = []
            swap(&out, &stream.firstPart)
        }
        let size = out.count
        lane.emitted += size
        let wantsDrainNotice = lane.emitted >= Self.drainWindow
        if wantsDrainNotice {
            lane.awaitingDrain = true
            lane.emitted = 0
        }
        var finishing = Pending(client: client, requestID: [], body: .error, requiredSequence: 0)
        if finished {
            finishing = lane.answers.removeFirst()
        } else {
            lane.answers[0].body = .stream(stream)
        }
        if ready {
            recycle(&finishing)
            emit(
                ResponseEnvelope(
                    client: client, bytes: out, count: finished ? 1 : 0, wantsDrainNotice: wantsDrainNotice))
        } else {
            finishing.body = .part(out, last: finished, wantsDrainNotice: wantsDrainNotice)
            finishing.requiredSequence = readyAt ?? 0
            queue.append(finishing)
            lane.partQueued = true
        }
        return size
    }

    /// Emits, in one buffer, the whole answers at the front of `lane`.
    private mutating func emitWholeAnswers(
        from lane: inout Lane, _ client: ClientTag, _ emit: (ResponseEnvelope) -> Void
    ) {
        var out = buffers?.answerBuffers.take() ?? []
        var answered = 0
        while let front = lane.answers.first, front.body.isWhole {
            var pending = lane.answers.removeFirst()
            // Mutations were resolved (OK or ERROR) when they joined the lane.
            Self.write(pending, lostAfter: UInt64.max, to: &out)
            recycle(&pending)
            answered += 1
        }
        emit(ResponseEnvelope(client: client, bytes: out, count: answered))
    }

    /// The reactor drained `client`'s output below its low-water mark (resume its lane), or
    /// closed the connection (drop its lane: nothing will read it).
    mutating func outputDrained(_ client: ClientTag, closed: Bool) {
        guard var lane = lanes.removeValue(forKey: client) else { return }
        lane.awaitingDrain = false
        lane.emitted = 0
        if closed {
            while !lane.answers.isEmpty {
                var pending = lane.answers.removeFirst()
                recycle(&pending)
            }
        }
        // An idle lane stays listed until its next turn, which drops it.
        lanes[client] = lane
    }
}
