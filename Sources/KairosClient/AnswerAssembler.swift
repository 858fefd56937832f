/// How one command ended.
public enum AnswerOutcome: Equatable, Sendable {
    /// The final line (`OK`, `OK planned 123`), without the request id.
    case ok([UInt8])
    /// The final `ERROR` line, without the request id.
    case error([UInt8])
    /// The server answered a later request first: it dropped this one as malformed.
    case noAnswer
    /// Refused before sending (e.g. an invalid timestamp); the message says why.
    case notSent(String)
    /// Nothing arrived for this many milliseconds while it was outstanding.
    case timedOut(Int)
    /// The connection ended first; the text says how.
    case connectionLost(String)
}

/// What one response line (or a refused command reaching its turn) means.
public enum AnswerEvent: Equatable, Sendable {
    /// A record of a multi-line answer (QUERY, LISTRULES, STAT), without the request id.
    case record(sequence: Int, body: [UInt8])
    case finished(sequence: Int, AnswerOutcome)
    /// A bare `OK` or `ERROR`: the answer to AUTH, or the refusal of a first request that was not
    /// AUTH when the server requires it.
    case bare(ok: Bool)
    /// A line that belongs to no outstanding request.
    case stray([UInt8])
}

/// Correlates response lines with the requests in flight, in the order they were sent.
///
/// Every request gets the id `c<sequence>`, with sequences increasing. The server answers a
/// connection's requests in order and drops malformed ones without a word, so when an answer
/// for a later id arrives, every earlier request still waiting was dropped. Commands refused
/// locally keep their place in the queue, so their messages come out in input order too.
public struct AnswerAssembler: Sendable {
    private struct Entry: Sendable {
        var sequence: Int
        var shape: AnswerShape
        /// Set for a command that was never sent.
        var refusal: String?
    }

    private var entries: [Entry] = []
    private var head = 0
    private var nextSequence = 1
    /// Whether the front request has printed records (a line without a known id then continues
    /// one of them: a job id with a raw LF in it).
    private var frontHasRecords = false

    public init() {}

    /// Entries held, finished ones included (tests check that memory follows the window).
    var storedEntries: Int { entries.count }

    /// Requests (and refusals) not yet finished.
    public var outstanding: Int { entries.count - head }

    /// The id for `sequence`.
    public static func id(_ sequence: Int) -> [UInt8] { Array("c\(sequence)".utf8) }

    /// Queues a request that is about to be sent; returns its sequence (its id is `id(sequence)`).
    public mutating func expect(_ shape: AnswerShape) -> Int {
        let sequence = nextSequence
        nextSequence += 1
        entries.append(Entry(sequence: sequence, shape: shape, refusal: nil))
        return sequence
    }

    /// Queues a command refused before sending; its `.notSent` event comes when its turn does.
    public mutating func refuse(_ message: String) -> (sequence: Int, events: [AnswerEvent]) {
        let sequence = nextSequence
        nextSequence += 1
        entries.append(Entry(sequence: sequence, shape: .single, refusal: message))
        var events: [AnswerEvent] = []
        finishRefusalsAtFront(into: &events)
        compact()
        return (sequence, events)
    }

    /// One response line, without its LF.
    public mutating func consume(line: [UInt8]) -> [AnswerEvent] {
        var events: [AnswerEvent] = []
        if line == Self.ok || line == Self.error {
            events.append(.bare(ok: line == Self.ok))
            return events
        }
        let space = line.firstIndex(of: UInt8(ascii: " "))
        guard let space, let sequence = Self.sequence(of: line[..<space]),
            let position = position(of: sequence)
        else {
            events.append(frontHasRecords ? .record(sequence: entries[head].sequence, body: line) : .stray(line))
            return events
        }
        // Everything queued before this answer's request was dropped by the server.
        while entries[head].sequence < entries[position].sequence {
            finishFront(entries[head].refusal.map(AnswerOutcome.notSent) ?? .noAnswer, into: &events)
        }
        let body = Array(line[(space + 1)...])
        switch entries[head].shape {
        case .single:
            finishFront(Self.isError(body) ? .error(body) : .ok(body), into: &events)
        case .multi where body == Self.ok:
            finishFront(.ok(body), into: &events)
        case .multi where body == Self.error:
            finishFront(.error(body), into: &events)
        case .multi:
            frontHasRecords = true
            events.append(.record(sequence: sequence, body: body))
        }
        finishRefusalsAtFront(into: &events)
        compact()
        return events
    }

    /// Ends every outstanding request with `outcome` (timeout, closed connection).
    public mutating func abandonAll(_ outcome: AnswerOutcome) -> [AnswerEvent] {
        var events: [AnswerEvent] = []
        while head < entries.count {
            finishFront(entries[head].refusal.map(AnswerOutcome.notSent) ?? outcome, into: &events)
        }
        compact()
        return events
    }

    // MARK: Queue

    private static let ok = Array("OK".utf8)
    private static let error = Array("ERROR".utf8)

    private static func isError(_ body: [UInt8]) -> Bool {
        body == error || body.starts(with: error + [UInt8(ascii: " ")])
    }

    private static func sequence(of id: ArraySlice<UInt8>) -> Int? {
        guard id.first == UInt8(ascii: "c"), id.count > 1, id.count <= 19 else { return nil }
        return Int(String(decoding: id.dropFirst(), as: UTF8.self))
    }

    private func position(of sequence: Int) -> Int? {
        guard head < entries.count else { return nil }
        let position = head + (sequence - entries[head].sequence)
        guard position >= head, position < entries.count, entries[position].refusal == nil else { return nil }
        return position
    }

    private mutating func finishFront(_ outcome: AnswerOutcome, into events: inout [AnswerEvent]) {
        events.append(.finished(sequence: entries[head].sequence, outcome))
        head += 1
        frontHasRecords = false
    }

    /// Drops finished entries now and then, so memory follows the window, not the whole run.
    private mutating func compact() {
        if head >= 1_024 && head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }

    /// Refused commands whose turn has come (a loop, not recursion: thousands may queue up).
    private mutating func finishRefusalsAtFront(into events: inout [AnswerEvent]) {
        while head < entries.count, let message = entries[head].refusal {
            finishFront(.notSent(message), into: &events)
        }
    }
}
