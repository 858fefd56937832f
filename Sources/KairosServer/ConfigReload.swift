import KairosConfig
import KairosReactor
import Logging

/// What SIGHUP changes without a restart: the auth file's tokens (for AUTH lines verified from
/// then on) and the log level. The config file is read again; if it, or the auth file it names,
/// has an error, nothing changes and the log says why. Keys that need a restart are named.
final class ConfigReload {
    private let path: String?
    private var running: ServerConfig
    private let keyring: AuthKeyring?
    private let levels: LogLevelSwitch
    private let logger: Logger

    init(path: String?, running: ServerConfig, keyring: AuthKeyring?, levels: LogLevelSwitch, logger: Logger) {
        self.path = path
        self.running = running
        self.keyring = keyring
        self.levels = levels
        self.logger = logger
    }

    /// Config keys that SIGHUP cannot change, by `ServerConfig` property, as the file spells them.
    private static let keyNames: [String: String] = [
        "listen": "controller.listen", "tls": "controller.tls_cert/tls_key",
        "tlsMinVersion": "controller.tls_min_version", "tlsHandshakeTimeoutMs": "controller.tls_handshake_timeout_ms",
        "authTimeoutMs": "controller.auth_timeout_ms", "maxConnections": "controller.max_connections",
        "persistence": "database.persistence", "logfilePath": "database.logfile_path",
        "fsyncOnPersist": "database.fsync_on_persist", "framerate": "database.framerate",
        "compressionInterval": "database.compression_interval", "shellPath": "shell.path", "shellArgs": "shell.args",
        "httpListen": "http.listen", "telemetry": "telemetry", "runnerConcurrency": "runner.concurrency",
        "runnerTimeoutMs": "runner.timeout_ms", "logFormat": "log.format", "httpTLS": "http.tls_cert/tls_key",
        "runnerHTTPCAFile": "runner.http_ca_file",
    ]

    func reload() {
        guard let path else {
            logger.warning("SIGHUP: the server was started without -c, so there is no config file to reload")
            return
        }
        let next: ServerConfig
        do {
            next = try ConfigLoader.load(path: path)
        } catch {
            logger.error("SIGHUP: reload refused, keeping the current settings: \(Self.plain(error))")
            return
        }
        if (next.authFile == nil) != (running.authFile == nil) {
            let change = next.authFile == nil ? "turning authentication off" : "turning authentication on"
            logger.error("SIGHUP: reload refused, keeping the current settings: \(change) (controller.auth_file) needs a restart")
            return
        }
        var tokens: [AuthToken]?
        if let authPath = next.authFile {
            do {
                tokens = try AuthFileLoader.load(path: authPath)
            } catch {
                logger.error("SIGHUP: reload refused, keeping the current settings: \(Self.plain(error))")
                return
            }
        }
        var changes: [String] = []
        if let tokens, let keyring {
            let before = Set(keyring.names)
            let after = Set(tokens.map(\.name))
            keyring.replace(with: tokens.map(AuthCredential.init(token:)))
            var summary = "auth file \(next.authFile!): \(tokens.count) tokens"
            let added = after.subtracting(before).sorted()
            let removed = before.subtracting(after).sorted()
            if !added.isEmpty { summary += ", added \(added.joined(separator: ", "))" }
            if !removed.isEmpty { summary += ", removed \(removed.joined(separator: ", "))" }
            changes.append(summary)
        }
        if next.logLevel != running.logLevel { changes.append("log level \(running.logLevel) → \(next.logLevel)") }
        let summary = "SIGHUP: reloaded \(path): \(changes.isEmpty ? "nothing changed" : changes.joined(separator: "; "))"
        // Said under whichever level shows it: the old one when it shows info lines (a switch
        // to `warn` would hide it), else the new one.
        if running.logLevel == .info || running.logLevel == .debug {
            logger.info("\(summary)")
            levels.level = next.logLevel
        } else {
            levels.level = next.logLevel
            logger.info("\(summary)")
        }
        let restartKeys = Self.keysNeedingRestart(running, next)
        running.logLevel = next.logLevel
        running.authFile = next.authFile
        if !restartKeys.isEmpty {
            logger.warning("SIGHUP: changes to \(restartKeys.joined(separator: ", ")) take effect only after a restart")
        }
    }

    /// Keys whose value differs, other than the two a reload applies.
    static func keysNeedingRestart(_ running: ServerConfig, _ next: ServerConfig) -> [String] {
        let old = Mirror(reflecting: running).children
        let new = Dictionary(uniqueKeysWithValues: Mirror(reflecting: next).children.compactMap { child in
            child.label.map { ($0, String(describing: child.value)) }
        })
        return old.compactMap { child in
            guard let label = child.label, label != "logLevel", label != "authFile",
                  new[label] != String(describing: child.value)
            else { return nil }
            return keyNames[label] ?? label
        }
    }

    /// Config and auth-file errors carry no `error: ` prefix (the CLI adds it), so they read as the
    /// rest of the log line.
    private static func plain(_ error: any Error) -> String {
        "\(error)"
    }
}

extension AuthCredential {
    init(token: AuthToken) {
        self.init(name: token.name, secret: token.secret, namespace: token.scope)
    }
}
