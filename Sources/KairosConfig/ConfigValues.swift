/// The log threshold of docs/compatibility.md#d-log-format. The reference's `trace` has no level of its own: it reads as `debug`.
public enum LogLevel: String, Sendable, Equatable, CaseIterable {
    case off, error, warn, info, debug

    /// The spellings `log.level` accepts, in the order an error message lists them.
    static let spellings = ["off", "error", "warn", "info", "debug", "trace"]

    /// Maps a `log.level` spelling to its level; `trace` is an alias of `debug` (README.md#configuration).
    init?(spelling: String) {
        if spelling == "trace" {
            self = .debug
        } else if let level = LogLevel(rawValue: spelling) {
            self = level
        } else {
            return nil
        }
    }
}

/// `log.format`: how log lines are written (Kairos extension).
public enum LogFormat: String, Sendable, Equatable {
    /// `<RFC 3339 time> [LEVEL] message`.
    case text
    /// One JSON object per line: `time`, `level`, `message`.
    case json
}

/// Where mutations are journaled (docs/logfile-format.md).
public enum Persistence: String, Sendable, Equatable {
    case logfile, memory
}

/// The lowest TLS version the listener accepts. The reference allows 1.3 only (docs/protocol.md#tls); 1.2 is a Kairos option.
public enum TLSVersion: String, Sendable, Equatable {
    case v1_2 = "1.2"
    case v1_3 = "1.3"
}

/// The PEM files that enable TLS (docs/protocol.md#tls). Both are always present: one without the other is a config error.
public struct TLSFiles: Sendable, Equatable {
    public var certificatePath: String
    public var privateKeyPath: String

    public init(certificatePath: String, privateKeyPath: String) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
    }
}

/// The `[telemetry]` section (docs/compatibility.md#d-telemetry). `endpoint` is never nil when `enabled` is true after loading.
public struct TelemetryConfig: Sendable, Equatable {
    public var enabled: Bool
    public var endpoint: String?
    public var serviceName: String
    public var flushIntervalMs: Int
    /// D-telemetry: the share of `ztick.request` spans exported (0.0-1.0); execution spans are all kept.
    public var sampleRatio: Double
    /// CA bundle for an `https://` endpoint; nil = the system's trust store.
    public var caFile: String?

    public init(
        enabled: Bool = false, endpoint: String? = nil, serviceName: String = "kairos", flushIntervalMs: Int = 5000,
        sampleRatio: Double = 1.0, caFile: String? = nil
    ) {
        self.enabled = enabled
        self.endpoint = endpoint
        self.serviceName = serviceName
        self.flushIntervalMs = flushIntervalMs
        self.sampleRatio = sampleRatio
        self.caFile = caFile
    }

    /// The endpoint as a URL prefix: a bare `host:port` means plain HTTP (docs/compatibility.md#d-telemetry); a trailing
    /// `/` is dropped so `/v1/metrics` can be appended.
    public static func normalizedEndpoint(_ endpoint: String) -> String {
        var url = endpoint
        let lower = url.lowercased()
        if !lower.hasPrefix("http://") && !lower.hasPrefix("https://") { url = "http://" + url }
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
