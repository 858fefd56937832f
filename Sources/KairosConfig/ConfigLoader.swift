#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TOMLKit

/// Turns a TOML config file (README.md#configuration-8.2 keys, read as real TOML per D-config) into a validated `ServerConfig`.
///
/// Every refusal is a `ConfigError` naming the key and value; the caller prints its description and exits 1.
public enum ConfigLoader {
    /// The sections a file may contain, in the order they are validated and listed in messages.
    static let sections = ["log", "controller", "database", "telemetry", "shell", "http", "runner"]

    /// path nil → defaults (no file read). A path that does not exist is an error (D-config; the reference
    /// silently used the defaults).
    public static func load(path: String?) throws(ConfigError) -> ServerConfig {
        guard let path else { return .defaults }
        let file = "config file \(TOMLText.path(path))"
        switch TextFile.load(path: path) {
        case .success(let text):
            // README.md#configuration: the shell is checked exactly when a file was read.
            do throws(ConfigError) {
                return try parse(toml: text, checkShellPath: true)
            } catch {
                // Only a syntax error needs the file named: every other error names its key.
                throw error.kind == .syntax ? error.inFile(path) : error
            }
        case .failure(.notFound):
            throw ConfigError(kind: .fileNotFound, value: path, message: "\(file): \(TextFile.notFoundText)")
        case .failure(.unreadable(let reason)):
            throw ConfigError(kind: .unreadable, value: path, message: "\(file): \(reason)")
        case .failure(.tooLarge):
            throw ConfigError(kind: .unreadable, value: path, message: "\(file): larger than the 1 MiB limit")
        case .failure(.notUTF8):
            throw ConfigError(kind: .unreadable, value: path, message: "\(file): not valid UTF-8 text")
        }
    }

    /// Validates `toml` on top of the defaults. `checkShellPath` also runs the checks that depend on
    /// this machine's files: `shell.path` must be an executable file, and an enabled telemetry's
    /// `ca_file` readable (refused at start rather than failing every export); tests pass false.
    public static func parse(toml: String, checkShellPath: Bool) throws(ConfigError) -> ServerConfig {
        let root: TOMLTable
        switch TOMLDocument.parse(toml) {
        case .success(let table):
            root = table
        case .failure(let failure):
            throw ConfigError(kind: .syntax, line: failure.line, message: failure.text)
        }
        try checkTopLevel(root)

        var config = ServerConfig.defaults
        for name in sections {
            guard let table = root[name]?.table else { continue }
            let section = SectionReader(name: name, table: table)
            switch name {
            case "log": try applyLog(section, to: &config)
            case "controller": try applyController(section, to: &config)
            case "database": try applyDatabase(section, to: &config)
            case "telemetry": try applyTelemetry(section, to: &config)
            case "shell": try applyShell(section, to: &config)
            case "http": try applyHTTP(section, to: &config)
            default: try applyRunner(section, to: &config)
            }
        }
        if config.telemetry.enabled && config.telemetry.endpoint == nil {
            throw ConfigError(
                kind: .missingValue, key: "telemetry.endpoint",
                message: "telemetry.endpoint: missing; it is required when telemetry.enabled = true"
            )
        }
        if checkShellPath {
            try checkShell(config.shellPath)
            if config.telemetry.enabled, let caFile = config.telemetry.caFile {
                try checkReadableFile(caFile, key: "telemetry.ca_file")
            }
        }
        return config
    }

    /// Everything at the top level must be one of the known sections. A table with another name is an unknown
    /// section; a plain key there (TOML allows keys before the first header) belongs to no section at all.
    private static func checkTopLevel(_ root: TOMLTable) throws(ConfigError) {
        for name in root.keys.sorted() {
            guard let node = root[name] else { continue }
            let shown = TOMLText.key(name)
            if sections.contains(name) {
                if node.type != .table {
                    let requirement = "a [\(name)] section"
                    let value = TOMLText.value(node)
                    throw ConfigError.badValue(.invalidValue, key: shown, value: value, requirement: requirement)
                }
            } else if node.type == .table {
                let allowed = sections.map { "[\($0)]" }.joined(separator: ", ")
                let message = "[\(shown)]: unknown section (the sections are \(allowed))"
                throw ConfigError(kind: .unknownSection, key: shown, message: message)
            } else {
                let message = "\(shown): a key outside any section (keys belong inside a section such as [log])"
                throw ConfigError(kind: .unknownKey, key: shown, message: message)
            }
        }
    }

    /// The shell must be something the runner can exec: executable by this process and not a directory
    /// (access(X_OK) alone accepts searchable directories).
    private static func checkShell(_ path: String) throws(ConfigError) {
        let reason: String
        let accessError = path.withCString { access($0, X_OK) == 0 ? 0 : errno }
        if accessError != 0 {
            reason = String(cString: strerror(accessError))
        } else {
            var info = stat()
            if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                reason = String(cString: strerror(EISDIR))
            } else {
                return
            }
        }
        let message = "shell.path: cannot execute \(TOMLText.path(path)): \(reason)"
        throw ConfigError(kind: .invalidShellPath, key: "shell.path", value: TOMLText.quoted(path), message: message)
    }
}
