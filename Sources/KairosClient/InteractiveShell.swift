import CKairosEdit
import Glibc

/// The prompt of `kairos cli` on a terminal: libedit's line editing and a history file, one
/// command at a time, STAT as a table. A lost connection is reopened for the next command.
struct InteractiveShell {
    var options: CLIOptions

    mutating func run() -> Int32 {
        let printer = AnswerPrinter(statStyle: .table, placeholders: false)
        let history = Self.historyPath()
        if let history { _ = read_history(history) }
        stifle_history(1_000)
        defer {
            if let history { _ = write_history(history) }
        }
        var session: ClientSession?
        do {
            session = try ClientSession.connect(options, warn: printer.report)
        } catch {
            printer.report(error.description)
            return 1
        }
        let prompt = "\(options.address)> "
        while let raw = readline(prompt) {
            let line = String(cString: raw)
            free(raw)
            let trimmed = line.trimmingSpaces
            guard !trimmed.isEmpty else { continue }
            // A secret typed at the prompt should not land in the history file.
            if !trimmed.lowercased().hasPrefix("auth") {
                add_history(trimmed)
                // Saved at once: Ctrl-C ends the process without running the defer below.
                if let history { _ = write_history(history) }
            }
            switch trimmed.lowercased() {
            case "quit", "exit": return 0
            case "help", "?":
                AnswerPrinter.writeAll(1, Array(CLIHelp.commands.utf8))
                continue
            default: break
            }
            if let secret = Self.authSecret(trimmed) {
                // AUTH belongs at the start of a connection: open a new one with this secret.
                var trial = options
                trial.authentication = .secret(secret)
                do {
                    session = try ClientSession.connect(trial, warn: printer.report)
                    options = trial
                    AnswerPrinter.writeAll(1, Array("OK\n".utf8))
                } catch {
                    // The old connection (if any) and credentials stay.
                    printer.report(error.description)
                }
                continue
            }
            let step: SourceStep
            do {
                guard let request = try ClientRequest.fromLine(Array(trimmed.utf8)) else { continue }
                step = .request(request)
            } catch {
                printer.report(error.description)
                continue
            }
            if session == nil {
                do {
                    session = try ClientSession.connect(options, warn: printer.report)
                } catch {
                    printer.report(error.description)
                    continue
                }
            }
            var source = ListSource([step])
            if session?.run(&source, sink: printer) != .complete {
                // The connection's state is unknown after a timeout or close: start afresh.
                session = nil
            }
            printer.flush()
        }
        AnswerPrinter.writeAll(1, Array("\n".utf8))
        return 0
    }

    /// The secret of a typed `auth <secret>` (any case, quotes as in the protocol), or nil.
    static func authSecret(_ line: String) -> String? {
        guard line.lowercased().hasPrefix("auth "),
            let request = try? ClientRequest.fromLine(Array(line.utf8)), request.tokens.count == 2
        else { return nil }
        return String(decoding: request.tokens[1], as: UTF8.self)
    }

    /// `$HOME/.kairos_cli_history`, or none without a home.
    static func historyPath() -> String? {
        guard let home = getenv("HOME") else { return nil }
        let path = String(cString: home)
        return path.isEmpty ? nil : path + "/.kairos_cli_history"
    }
}

extension String {
    var trimmingSpaces: String {
        let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        return String(String.UnicodeScalarView(scalars.reversed()))
    }
}
