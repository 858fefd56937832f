/// Bytes exactly as they came over the wire: ids, patterns, commands, URLs.
/// Nothing on the wire is required to be UTF-8 (docs/protocol.md#framing, docs/compatibility.md#d-torn-tails), so nothing here is a `String`.
public typealias Bytes = [UInt8]

/// A job's status (docs/protocol.md#job-lifecycle). Raw values are the logfile's status byte (docs/logfile-format.md#entries).
public enum JobStatus: UInt8, Sendable, CaseIterable {
    case planned = 0
    case triggered = 1
    case executed = 2
    case failed = 3

    /// The word used by GET, QUERY and dump.
    public var name: String {
        switch self {
        case .planned: "planned"
        case .triggered: "triggered"
        case .executed: "executed"
        case .failed: "failed"
        }
    }
}

/// What a rule runs when one of its jobs is due (docs/protocol.md#rule-kinds, docs/protocol.md#runners).
public enum RunnerSpec: Hashable, Sendable {
    case shell(command: Bytes)
    case direct(executable: Bytes, args: [Bytes])
    case awf(workflow: Bytes, inputs: [Bytes])
    case http(method: Bytes, url: Bytes)
    case amqp(dsn: Bytes, exchange: Bytes, routingKey: Bytes)
    case redis(url: Bytes, command: Bytes, key: Bytes)

    /// Every kind word, in `kindIndex` order.
    public static let kindNames = ["shell", "direct", "awf", "http", "amqp", "redis"]

    /// The position of `kindName` in `kindNames` (for per-kind counters).
    public var kindIndex: Int {
        switch self {
        case .shell: 0
        case .direct: 1
        case .awf: 2
        case .http: 3
        case .amqp: 4
        case .redis: 5
        }
    }

    /// The kind word used by RULE SET, LISTRULES and dump.
    public var kindName: String {
        switch self {
        case .shell: "shell"
        case .direct: "direct"
        case .awf: "awf"
        case .http: "http"
        case .amqp: "amqp"
        case .redis: "redis"
        }
    }
}

/// One recognized instruction (docs/protocol.md#instructions), already validated as far as parsing can tell.
public enum Command: Sendable, Equatable {
    case set(job: Bytes, execution: Int64)
    /// `SET <job> <when> EVERY <duration> [RETRY <n> [<backoff>]]` or `SET <job> CRON ...`
    /// (issue 15). Boxed: a schedule is far larger than the other payloads, and every request
    /// crosses the reactor→core ring by value.
    indirect case setRecurring(job: Bytes, execution: Int64, recurrence: Recurrence)
    /// `INFO <job>`: status, next time, schedule and run counters on one line (issue 15).
    case info(job: Bytes)
    case get(job: Bytes)
    case query(prefix: Bytes)
    case remove(job: Bytes)
    case removeRule(rule: Bytes)
    case ruleSet(rule: Bytes, pattern: Bytes, runner: RunnerSpec)
    case listRules
    case stat
    /// One rule with its arguments (HTTP `GET /rules/{id}`, D-http-api); no line-protocol spelling.
    case getRule(rule: Bytes)
    /// Rules whose id starts with `prefix` (HTTP `GET /rules?prefix=`); no line-protocol spelling.
    case queryRules(prefix: Bytes)
    /// A recognized instruction that must be answered `<id> ERROR` without touching state:
    /// REMOVE/REMOVERULE without an id, an invalid RULE SET, a bad SET timestamp (D-bad-timestamps).
    case malformed
}

/// A request line: its id (echoed verbatim on every response line) and its instruction.
public struct Request: Sendable, Equatable {
    public var id: Bytes
    public var command: Command

    public init(id: Bytes, command: Command) {
        self.id = id
        self.command = command
    }
}
