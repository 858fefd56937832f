/// Identifies a connection for the round trip reactor → core → reactor. Opaque to the core.
/// `generation` makes a reply for a closed connection harmless if its slot was reused.
public struct ClientTag: Hashable, Sendable {
    public var slot: UInt32
    public var generation: UInt32

    public init(slot: UInt32, generation: UInt32) {
        self.slot = slot
        self.generation = generation
    }
}

/// What an authenticated connection may touch (docs/protocol.md#authentication): everything, or ids starting with a prefix.
public enum Namespace: Sendable, Equatable {
    case unrestricted
    case prefix(Bytes)

    /// docs/protocol.md#namespaces: `namespace == "*"` or the id starts with the namespace.
    @inlinable
    public func allows(_ id: Bytes) -> Bool {
        switch self {
        case .unrestricted:
            return true
        case .prefix(let prefix):
            return id.count >= prefix.count && id.starts(with: prefix)
        }
    }
}

/// How the core writes a request's answer.
public enum AnswerFormat: Sendable, Equatable {
    /// The line protocol of docs/protocol.md#answers.
    case line
    /// For the HTTP API (D-http-api), whose requests carry an empty request id. Mutations and GET are
    /// answered as on the line protocol (` OK`, ` OK <status> <execution>`, ` ERROR` when the
    /// journal refused); a missing job or rule is ` NOTFOUND`; listings, STAT and a rule are
    /// the JSON bodies of docs/protocol.md#http-api (a listing may come in parts, D-limits).
    case json
}

/// A parsed request on its way from the reactor to the core.
public struct RequestEnvelope: Sendable {
    public var client: ClientTag
    public var namespace: Namespace
    public var request: Request
    public var format: AnswerFormat

    public init(client: ClientTag, namespace: Namespace, request: Request, format: AnswerFormat = .line) {
        self.client = client
        self.namespace = namespace
        self.request = request
        self.format = format
    }
}

/// The complete answers to `count` consecutive requests of one connection (one or more lines
/// each), on their way back to the reactor. Answers come back in the order the requests were
/// sent; the core may merge neighbouring answers for the same connection into one envelope so a
/// pipelined burst costs one buffer instead of one per request.
///
/// A long QUERY or LISTRULES answer comes in parts (D-limits): every part but the one that finishes
/// it has `count` 0, so the request stays in flight until its `OK` line has arrived.
public struct ResponseEnvelope: Sendable {
    public var client: ClientTag
    public var bytes: [UInt8]
    /// How many requests `bytes` finishes answering (0 for a part of a longer answer).
    public var count: Int
    /// The core has paused this connection's long answers: the reactor must send an
    /// `OutputNotice` once the connection's unsent output has drained (or it has closed).
    public var wantsDrainNotice: Bool

    public init(client: ClientTag, bytes: [UInt8], count: Int = 1, wantsDrainNotice: Bool = false) {
        self.client = client
        self.bytes = bytes
        self.count = count
        self.wantsDrainNotice = wantsDrainNotice
    }
}

/// The reactor's answer to `ResponseEnvelope.wantsDrainNotice`: the connection's unsent output
/// fell below its low-water mark, or the connection is gone (`closed`), so the core may resume
/// (or drop) its long answers.
public struct OutputNotice: Sendable, Equatable {
    public var client: ClientTag
    public var closed: Bool

    public init(client: ClientTag, closed: Bool) {
        self.client = client
        self.closed = closed
    }
}

/// A due job handed from the core to the runners.
public struct Execution: Sendable, Equatable {
    public var jobID: Bytes
    /// The job's scheduling generation; the outcome is applied only if it still matches (D-reset-while-running).
    public var generation: UInt64
    public var runner: RunnerSpec
    /// The job's execution time (ns since the epoch), given to network runners as payload.
    public var scheduledAt: Int64
    /// The rule that matched: for the outcome log line and `KAIROS_RULE_ID`.
    public var ruleID: Bytes

    public init(jobID: Bytes, generation: UInt64, runner: RunnerSpec, scheduledAt: Int64, ruleID: Bytes = []) {
        self.ruleID = ruleID
        self.jobID = jobID
        self.generation = generation
        self.runner = runner
        self.scheduledAt = scheduledAt
    }
}

/// How an execution ended, on its way from the runners back to the core.
public struct ExecutionOutcome: Sendable, Equatable {
    public var jobID: Bytes
    public var generation: UInt64
    public var success: Bool

    public init(jobID: Bytes, generation: UInt64, success: Bool) {
        self.jobID = jobID
        self.generation = generation
        self.success = success
    }
}
