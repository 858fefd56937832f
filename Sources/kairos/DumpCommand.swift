import ArgumentParser
import KairosStore

/// `kairos dump LOGFILE [--format text|json] [--compact] [--follow]` (docs/logfile-format.md#kairos-dump).
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump", abstract: "Print the entries of a logfile.")

    @Argument(help: "The logfile to read.")
    var logfile: String

    @Option(help: "Output format: text or json.")
    var format: DumpFormat = .text

    @Flag(help: "Keep only the last entry of each job and rule, dropping removed ones.")
    var compact = false

    @Flag(help: "Keep printing entries as they are appended (until SIGINT/SIGTERM).")
    var follow = false

    func run() throws {
        let status = Dump.run(
            path: logfile, format: format, compact: compact, follow: follow,
            stdout: { FileHandleOutput.stdout($0) }, stderr: { FileHandleOutput.stderr($0) })
        throw ExitCode(status)
    }
}

extension DumpFormat: ExpressibleByArgument {}
