import ArgumentParser
import Glibc
import KairosConfig
import KairosServer
import Logging

/// `kairos server [-c PATH]`, also the implicit form `kairos [-c PATH]`.
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Run the scheduler server (the default command).",
        discussion: """
            Without -c every setting has its default: listen on 127.0.0.1:5678 (plain TCP, no AUTH), \
            keep state in ./logfile (relative to the working directory) with fsync on, run at most \
            16 jobs at once without a timeout, no HTTP API, no telemetry. \
            deploy/kairos.toml.example lists every key with its default. \
            Signals: SIGTERM/SIGINT/SIGQUIT stop with a drain, SIGHUP reloads the auth file and log level, \
            SIGUSR1 logs a status. Exit status: 0 after a stop, 1 for a configuration or startup error, \
            3 when the logfile cannot be synced.
            """)

    @Option(
        name: [.short, .customLong("config")],
        help: "Path of the TOML configuration file (default: none, every key at its default; ./logfile as the logfile).")
    var config: String?

    @Flag(name: .customLong("repair"),
          help: "Move damaged logfile bytes to <logfile>.torn-<timestamp> and start with what precedes them.")
    var repair = false

    func run() throws {
        let settings: ServerConfig
        do {
            settings = try ConfigLoader.load(path: config)
        } catch {
            // Config, auth-file and server errors carry no prefix of their own: exactly one `error: ` here.
            FileHandleOutput.stderr("error: \(error)")
            throw ExitCode(1)
        }
        let levels = LogLevelSwitch(settings.logLevel)
        let logExport = Server.logExport(for: settings)
        LoggingSystem.bootstrap { _ in StderrLogHandler(levels: levels, format: settings.logFormat, export: logExport) }
        let logger = Logger(label: "kairos")
        logger.info("config: \(config ?? "default")")
        logger.info("log level: \(settings.logLevel)")
        let server: Server
        do {
            server = try Server(
                config: settings, logger: logger, repairLogfile: repair, configPath: config, levels: levels, logExport: logExport)
        } catch {
            FileHandleOutput.stderr("error: \(error)")
            throw ExitCode(1)
        }
        throw ExitCode(server.run())
    }
}
