import ArgumentParser
import Glibc
import KairosConfig
import KairosServer
import Logging

/// `kairos server [-c PATH]`, also the implicit form `kairos [-c PATH]`.
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Run the scheduler server (the default command).")

    @Option(name: [.short, .customLong("config")], help: "Path of the TOML configuration file.")
    var config: String?

    @Flag(name: .customLong("repair"),
          help: "Move damaged logfile bytes to <logfile>.torn-<timestamp> and start with what precedes them.")
    var repair = false

    func run() throws {
        let settings: ServerConfig
        do {
            settings = try ConfigLoader.load(path: config)
        } catch {
            FileHandleOutput.stderr("\(error)")
            throw ExitCode(1)
        }
        let levels = LogLevelSwitch(settings.logLevel)
        LoggingSystem.bootstrap { _ in StderrLogHandler(levels: levels, format: settings.logFormat) }
        let logger = Logger(label: "kairos")
        logger.info("config: \(config ?? "default")")
        logger.info("log level: \(settings.logLevel)")
        let server: Server
        do {
            server = try Server(config: settings, logger: logger, repairLogfile: repair, configPath: config, levels: levels)
        } catch {
            FileHandleOutput.stderr("error: \(error)")
            throw ExitCode(1)
        }
        throw ExitCode(server.run())
    }
}
