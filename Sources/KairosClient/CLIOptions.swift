/// What `kairos cli` was asked to do, from its arguments (parsed by `CLIOptions.parse`).
public struct CLIOptions: Equatable, Sendable {
    public enum Authentication: Equatable, Sendable {
        case none
        case secret(String)
        /// `[token.<name>] secret` of the auth file at `path`.
        case fileToken(name: String, path: String)
    }

    public enum Mode: Equatable, Sendable {
        /// One command from the arguments.
        case command([String])
        /// Commands from stdin; chosen by `--pipe`, or by no command and no TTY on stdin.
        case pipe
        /// A prompt with line editing, when stdin is a TTY and there is no command.
        case interactive
        /// `--help`.
        case help
    }

    public static let defaultAuthFile = "tokens.toml"

    public var host = "127.0.0.1"
    public var port: UInt16 = 5678
    public var tls = false
    public var caCertificate: String?
    public var insecure = false
    public var authentication = Authentication.none
    public var timeoutMilliseconds = 2_000
    /// `stat --json`: STAT as one JSON object.
    public var json = false
    public var mode = Mode.interactive

    public init() {}

    /// `host:port` as the prompt and messages show it (IPv6 addresses in brackets).
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A usage error: the message says what to change; `kairos cli` exits with status 2.
public struct CLIUsageError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension CLIOptions {
    /// Parses the arguments after `cli`. Options come before the command; everything from the
    /// first non-option argument on is the command (so job ids may start with `-`), except a
    /// trailing `--json` after `stat`. `stdinIsTTY` decides between interactive and pipe mode
    /// when there is no command.
    public static func parse(_ arguments: [String], stdinIsTTY: Bool) throws(CLIUsageError) -> CLIOptions {
        var options = CLIOptions()
        var secret: String?
        var tokenName: String?
        var authFile: String?
        var pipe = false
        var index = 0
        func value(_ name: String) throws(CLIUsageError) -> String {
            index += 1
            guard index < arguments.count else { throw CLIUsageError("\(name) needs a value") }
            return arguments[index]
        }
        var command: [String] = []
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-h", "--host":
                options.host = try value(argument)
                guard !options.host.isEmpty else { throw CLIUsageError("\(argument) needs a host name or address") }
            case "-p", "--port":
                let text = try value(argument)
                guard let port = UInt16(text), port > 0 else {
                    throw CLIUsageError("\(argument) \(text): expected a port number from 1 to 65535")
                }
                options.port = port
            case "--tls": options.tls = true
            case "--cacert": options.caCertificate = try value(argument)
            case "--insecure": options.insecure = true
            case "--auth": secret = try value(argument)
            case "--auth-file-token": tokenName = try value(argument)
            case "--auth-file": authFile = try value(argument)
            case "--timeout-ms":
                let text = try value(argument)
                guard let milliseconds = Int(text), milliseconds > 0, milliseconds <= 86_400_000 else {
                    throw CLIUsageError("--timeout-ms \(text): expected milliseconds from 1 to 86400000")
                }
                options.timeoutMilliseconds = milliseconds
            case "--pipe": pipe = true
            case "--json": options.json = true
            case "--help":
                options.mode = .help
                return options
            case "--":
                command = Array(arguments[(index + 1)...])
                index = arguments.count
                continue
            default:
                if argument.hasPrefix("-") && argument.count > 1 {
                    throw CLIUsageError("unknown option \(argument) (see kairos cli --help)")
                }
                command = Array(arguments[index...])
                index = arguments.count
                continue
            }
            index += 1
        }
        if command.count >= 2, command.last == "--json", command.first?.uppercased() == "STAT" {
            options.json = true
            command.removeLast()
        }
        try options.settle(secret: secret, tokenName: tokenName, authFile: authFile)
        if options.json && (command.count != 1 || command[0].uppercased() != "STAT") {
            throw CLIUsageError("--json works only with the stat command: kairos cli stat --json")
        }
        if pipe {
            guard command.isEmpty else { throw CLIUsageError("--pipe reads commands from stdin; give no command") }
            options.mode = .pipe
        } else if !command.isEmpty {
            options.mode = .command(command)
        } else {
            options.mode = stdinIsTTY ? .interactive : .pipe
        }
        return options
    }

    /// Cross-option rules, checked once every option is known.
    private mutating func settle(secret: String?, tokenName: String?, authFile: String?) throws(CLIUsageError) {
        if !tls && (caCertificate != nil || insecure) {
            throw CLIUsageError("--cacert and --insecure need --tls")
        }
        if caCertificate != nil && insecure {
            throw CLIUsageError("--cacert and --insecure exclude each other (--insecure verifies nothing)")
        }
        switch (secret, tokenName) {
        case (.some, .some):
            throw CLIUsageError("--auth and --auth-file-token exclude each other")
        case (.some(let secret), nil):
            guard authFile == nil else { throw CLIUsageError("--auth-file goes with --auth-file-token") }
            authentication = .secret(secret)
        case (nil, .some(let name)):
            authentication = .fileToken(name: name, path: authFile ?? Self.defaultAuthFile)
        case (nil, nil):
            guard authFile == nil else { throw CLIUsageError("--auth-file goes with --auth-file-token") }
        }
    }
}
