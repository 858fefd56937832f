/// How the reactor treats connections. Defaults follow docs/protocol.md#line-protocol-4 and D-connections.
public struct ReactorConfig: Sendable {
    /// nil = no AUTH phase (docs/protocol.md#authentication: auth is on iff an auth file is configured).
    public var auth: AuthKeyring?
    /// nil = plaintext.
    public var tls: TLSContext?
    /// The HTTP listener's TLS (`[http] tls_cert`/`tls_key`); nil = plain HTTP.
    public var httpTLS: TLSContext?
    public var handshakeTimeoutMs: Int = 10_000
    public var authTimeoutMs: Int = 5_000
    /// Per-connection requests handed to the core and not yet answered; past it the connection's
    /// pipelined requests wait (D-connections back-pressure).
    public var maxInFlightPerConnection: Int = 1024
    /// Unsent reply bytes past which a connection's requests wait (D-connections).
    public var outputHighWater: Int = 1 << 20
    /// Unsent reply bytes below which the core resumes a connection's paused listings (D-limits).
    public var outputLowWater: Int = 256 << 10
    /// Unsent reply bytes past which a connection is dropped (D-connections): a backstop for whole answers
    /// already in flight when it stopped reading. Long listings never get there: the core pauses
    /// them after each 1 MiB it writes until the output drains below `outputLowWater` (D-limits).
    public var outputHardLimit: Int = 64 << 20
    /// How long the loop spins for answers already requested before sleeping (latency at low load).
    public var spinNanoseconds: Int64 = 20_000
    /// Connections served at once (D-limits); one past it is accepted and closed at once. The server
    /// sets it from `[controller] max_connections`, which keeps a reserve of descriptors free.
    public var maxConnections: Int = .max
    /// How long a graceful stop waits for in-flight answers before closing anyway (D-shutdown).
    public var drainTimeoutMs: Int = 5_000

    public init(auth: AuthKeyring? = nil, tls: TLSContext? = nil) {
        self.auth = auth
        self.tls = tls
    }
}
