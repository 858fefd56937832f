/// Every setting the server reads from its config file (README.md#configuration, D-execution, D-config), already validated.
///
/// Start from `defaults` and change fields to build one by hand (tests do this); `ConfigLoader` builds it from TOML.
public struct ServerConfig: Sendable, Equatable {
    public var logLevel: LogLevel
    /// `log.format` (Kairos extension): `text` or `json`.
    public var logFormat: LogFormat
    /// `controller.listen`: the TCP protocol's address.
    public var listen: ListenAddress
    /// `controller.tls_cert` + `controller.tls_key`; nil serves plain TCP.
    public var tls: TLSFiles?
    /// `controller.tls_min_version` (Kairos extension).
    public var tlsMinVersion: TLSVersion
    /// `controller.tls_handshake_timeout_ms` (Kairos extension; D-connections bounds handshakes at 10 s).
    public var tlsHandshakeTimeoutMs: Int
    /// `controller.auth_file`; set means authentication is on (docs/protocol.md#authentication).
    public var authFile: String?
    /// `controller.auth_timeout_ms` (Kairos extension; docs/protocol.md#authentication fixes 5 s).
    public var authTimeoutMs: Int
    /// `controller.max_connections` (D-limits); nil means the descriptor limit minus
    /// `ConnectionLimit.reserve`, worked out at start by `ConnectionLimit.resolve`.
    public var maxConnections: Int?
    public var persistence: Persistence
    public var logfilePath: String
    public var fsyncOnPersist: Bool
    /// Ticks per second, 1...65535.
    public var framerate: UInt16
    /// Seconds between compactions; 0 disables compaction.
    public var compressionInterval: UInt32
    public var shellPath: String
    /// Arguments placed before the command; may be empty.
    public var shellArgs: [String]
    /// `[http] listen`; nil leaves the HTTP API off.
    public var httpListen: ListenAddress?
    /// `[http] tls_cert` + `tls_key` (D-http-api); nil serves plain HTTP.
    public var httpTLS: TLSFiles?
    public var telemetry: TelemetryConfig
    /// `[runner] concurrency`: runs executing at once, 1...4096 (D-execution).
    public var runnerConcurrency: Int
    /// `[runner] timeout_ms`: a run is killed after this long; 0 means no limit (D-execution).
    public var runnerTimeoutMs: Int
    /// `[runner] http_ca_file`: PEM bundle https webhooks are verified against instead of the
    /// system trust store (D-network-runners); nil = the system store. Checked readable at load.
    public var runnerHTTPCAFile: String? = nil

    /// The values used when no config file is given, and for every key a file leaves out.
    public static let defaults = ServerConfig(
        logLevel: .info,
        logFormat: .text,
        listen: ListenAddress(family: .ipv4, host: "127.0.0.1", port: 5678),
        tls: nil,
        tlsMinVersion: .v1_3,
        tlsHandshakeTimeoutMs: 10_000,
        authFile: nil,
        authTimeoutMs: 5_000,
        maxConnections: nil,
        persistence: .logfile,
        logfilePath: "logfile",
        fsyncOnPersist: true,
        framerate: 512,
        compressionInterval: 3_600,
        shellPath: "/bin/sh",
        shellArgs: ["-c"],
        httpListen: nil,
        httpTLS: nil,
        telemetry: TelemetryConfig(),
        runnerConcurrency: 16,
        runnerTimeoutMs: 0
    )
}
