/// Why a config file was refused (D-config). The server prints `error: <description>` and exits 1.
///
/// `description` is written for an operator, not a programmer: it starts with what the problem is about (a
/// `section.key`, or `config file <path>` for the file as a whole), then says what is wrong in plain words and
/// repeats the offending value in TOML notation, e.g. `database.framerate: must be an integer 1...65535, not
/// 70000`. It never contains the `Kind` names, which are for code and tests, and it has no `error: ` prefix of its
/// own, so whoever prints it adds exactly one.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    /// The reference's error names (`InvalidValue`, ...) are kept here so code and tests can tell failures
    /// apart without matching message text.
    public enum Kind: Sendable, Equatable {
        case fileNotFound, unreadable, syntax, unknownSection, unknownKey, invalidValue, invalidLogLevel,
            framerateOutOfRange, invalidShellPath, missingValue
    }

    public var kind: Kind
    /// The key as `section.key` (a bare section name for section-level errors); nil for file-level errors.
    public var key: String?
    /// The offending value in TOML notation (strings quoted), or the path for file-level errors.
    public var value: String?
    /// The 1-based line, for syntax errors (TOMLKit reports positions only for those).
    public var line: Int?
    /// e.g. `database.framerate: must be an integer 1...65535, not 70000`.
    public var description: String

    init(kind: Kind, key: String? = nil, value: String? = nil, line: Int? = nil, message: String) {
        self.kind = kind
        self.key = key
        self.value = value
        self.line = line
        self.description = message
    }

    /// A value that is present but wrong: `<key>: must be <requirement>, not <value>`.
    static func badValue(_ kind: Kind, key: String, value: String, requirement: String) -> ConfigError {
        ConfigError(kind: kind, key: key, value: value, message: "\(key): must be \(requirement), not \(value)")
    }

    /// The same error, about the file at `path` (syntax errors are found before the loader knows a path).
    func inFile(_ path: String) -> ConfigError {
        var located = self
        located.description = "config file \(TOMLText.path(path)), \(description)"
        return located
    }
}
