import Glibc

/// `kairos cli`: the entry point the executable calls with the arguments after `cli`.
public enum KairosCLI {
    /// Runs and returns the exit status: 0 all OK, 1 an ERROR / no answer / no connection,
    /// 2 a usage error.
    public static func main(_ arguments: [String]) -> Int32 {
        // A server that closes mid-write, or a reader of stdout that quits (`| head`), must
        // end in an error status, not a silent SIGPIPE death.
        signal(SIGPIPE, SIG_IGN)
        let options: CLIOptions
        do {
            options = try CLIOptions.parse(arguments, stdinIsTTY: isatty(0) == 1)
        } catch {
            AnswerPrinter.writeAll(2, Array("kairos cli: \(error.description)\n".utf8))
            return 2
        }
        switch options.mode {
        case .help:
            AnswerPrinter.writeAll(1, Array((CLIHelp.usage + "\n" + CLIHelp.commands).utf8))
            return 0
        case .interactive:
            var shell = InteractiveShell(options: options)
            return shell.run()
        case .command(let words):
            let printer = AnswerPrinter(statStyle: options.json ? .json : .lines, placeholders: false)
            let step: SourceStep
            do {
                step = .request(try ClientRequest.fromArguments(words))
            } catch {
                printer.report(error.description)
                return 1
            }
            var source = ListSource([step])
            return run(options, &source, printer)
        case .pipe:
            let printer = AnswerPrinter(statStyle: .lines, placeholders: true)
            var source = LineSource(descriptor: 0)
            return run(options, &source, printer)
        }
    }

    private static func run(_ options: CLIOptions, _ source: inout some RequestSource, _ printer: AnswerPrinter) -> Int32 {
        let session: ClientSession
        do {
            session = try ClientSession.connect(options, warn: printer.report)
        } catch {
            printer.report(error.description)
            return 1
        }
        let end = session.run(&source, sink: printer)
        printer.flush()
        return end == .complete && printer.failures == 0 ? 0 : 1
    }
}
