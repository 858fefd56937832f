import KairosProtocol

/// The runner kinds that talk to a network peer instead of starting a process (D-network-runners).
public enum NetworkKind: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case http = 0
    case redis = 1
    case amqp = 2

    /// The kind of `runner`, nil for process runners.
    public init?(_ runner: RunnerSpec) {
        switch runner {
        case .http: self = .http
        case .redis: self = .redis
        case .amqp: self = .amqp
        case .shell, .direct, .awf: return nil
        }
    }

    /// `RunnerSpec.kindIndex` of this kind, for per-kind counters.
    public var runnerKindIndex: Int {
        switch self {
        case .http: 3
        case .amqp: 4
        case .redis: 5
        }
    }

    public var description: String {
        switch self {
        case .http: "http"
        case .redis: "redis"
        case .amqp: "amqp"
        }
    }
}
