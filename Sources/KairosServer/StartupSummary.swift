import KairosConfig
import KairosProtocol

/// The one line an operator reads to know what this server is doing: version, addresses, TLS,
/// auth (the number of tokens, never a secret), persistence and fsync, runner limits, HTTP API
/// and telemetry.
enum StartupSummary {
    static func line(_ config: ServerConfig, listen: String, http: String?, tokens: Int?) -> String {
        var parts = ["kairos \(KairosVersion.current)", "listen \(listen)\(config.tls != nil ? " (TLS)" : "")"]
        parts.append(tokens.map { "auth on (\($0) token\($0 == 1 ? "" : "s"))" } ?? "auth off")
        switch config.persistence {
        case .logfile:
            parts.append("logfile \(config.logfilePath) (fsync \(config.fsyncOnPersist ? "on" : "off"))")
        case .memory:
            parts.append("persistence memory (nothing kept)")
        }
        let timeout = config.runnerTimeoutMs > 0 ? "\(config.runnerTimeoutMs) ms" : "none"
        parts.append("runners \(config.runnerConcurrency) at once, timeout \(timeout)")
        parts.append(http.map { "HTTP API \($0)\(config.httpTLS != nil ? " (HTTPS)" : "")" } ?? "HTTP API off")
        parts.append(config.telemetry.enabled ? "telemetry to \(config.telemetry.endpoint ?? "?")" : "telemetry off")
        return parts.joined(separator: ", ")
    }
}
