import Logging

/// What a network client is made with.
public struct NetworkClientContext {
    /// Its handle on the runner thread's epoll set.
    public let registrar: PollRegistrar
    /// Report each call's end here, exactly once, on the runner thread.
    public let complete: NetworkCompletion
    /// `[runner]` settings: `timeoutMs` (0 = D-network-runners's defaults: 10 s to connect, 30 s to send and
    /// receive, which the client applies itself) and `httpCAFile`.
    public let config: RunnerConfig
    public let logger: Logger

    package init(registrar: PollRegistrar, complete: @escaping NetworkCompletion, config: RunnerConfig, logger: Logger) {
        self.registrar = registrar
        self.complete = complete
        self.config = config
        self.logger = logger
    }
}

/// Makes each network kind's client, once, when the first run of that kind starts, so a
/// server without such rules never loads a library session or starts a thread for them.
public struct NetworkClientFactory: Sendable {
    public typealias Make = @Sendable (NetworkKind, NetworkClientContext) throws -> (any NetworkClient)?

    let make: Make

    /// Tests inject clients that talk to nothing.
    package init(_ make: @escaping Make) {
        self.make = make
    }

    /// The clients this build has. nil = the kind is not available: its runs end `failed`.
    public static let standard = NetworkClientFactory { kind, context in
        switch kind {
        case .http: try HTTPClient(context: context)
        case .redis: RedisClient(context)
        case .amqp: try AMQPClient(context)
        }
    }
}
