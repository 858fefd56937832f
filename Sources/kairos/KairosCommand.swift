import ArgumentParser
import Glibc
import KairosClient
import KairosProtocol

/// `kairos [server] [-c PATH]`, `kairos dump ...`, `kairos --version` (README.md#command-line, D-identity).
@main
struct KairosCommand: ParsableCommand {
    static let version = KairosVersion.current

    static let configuration = CommandConfiguration(
        commandName: "kairos",
        abstract: "A time-based job scheduler server, wire-compatible with ztick.",
        version: "kairos \(version)",
        subcommands: [ServerCommand.self, DumpCommand.self, CLICommand.self],
        defaultSubcommand: ServerCommand.self
    )

    /// Parses by hand only what ArgumentParser cannot express: `-v` as a version alias (first
    /// argument only, like the reference) and exit status 1 for every usage error.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "-v" {
            print("kairos \(version)")
            Glibc.exit(0)
        }
        // `kairos cli` parses its own arguments: its -h is the host, as in redis-cli.
        if arguments.first == "cli" {
            Glibc.exit(KairosCLI.main(Array(arguments.dropFirst())))
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { FileHandleOutput.stderr(Self.prefixed(message)) }
            Glibc.exit(code == .validationFailure || code.rawValue == 64 ? 1 : code.rawValue)
        }
    }
}

extension KairosCommand {
    /// ArgumentParser writes `Error: Unknown option '--bogus'`; every other message of the binary starts
    /// `error: `, so its prefix is lowercased, and a message without one gets it (never two).
    static func prefixed(_ message: String) -> String {
        if message.hasPrefix("Error: ") { return "error: " + message.dropFirst("Error: ".count) }
        return message.hasPrefix("error: ") ? message : "error: \(message)"
    }
}

/// Writes a line to stderr without Foundation.
enum FileHandleOutput {
    static func stderr(_ line: String) {
        var bytes = Array((line.hasSuffix("\n") ? line : line + "\n").utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(2, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    static func stdout(_ bytes: borrowing [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(1, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
