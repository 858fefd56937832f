import ArgumentParser
import KairosClient

/// Lists `cli` in `kairos --help`. `KairosCommand.main` hands `kairos cli ...` to
/// `KairosCLI.main` before ArgumentParser sees it, because `-h` there means the host.
struct CLICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cli",
        abstract: "A client: send commands to a server (see kairos cli --help).",
        // -h is the host there.
        helpNames: [.long]
    )

    @Argument(parsing: .captureForPassthrough, help: "Options and command; see kairos cli --help.")
    var arguments: [String] = []

    func run() throws {
        throw ExitCode(KairosCLI.main(arguments))
    }
}
