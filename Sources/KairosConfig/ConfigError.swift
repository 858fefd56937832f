/// Why a config file was refused (D-config). `description` is the line the server prints before exiting 1.
///
/// The description starts with `error: <Name>:` where Name is the docs/compatibility.md#d-config error name (`SyntaxError` and
/// `Unreadable` are Kairos's names for failures the reference's line parser could not have), then names the
/// key as `section.key` and repeats the offending value in TOML notation.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
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
    /// e.g. `error: InvalidValue: database.framerate = 70000 (expected an integer 1...65535)` — starts with the
    /// The error name the reference prints.
    public var description: String

    init(kind: Kind, key: String? = nil, value: String? = nil, line: Int? = nil, message: String) {
        self.kind = kind
        self.key = key
        self.value = value
        self.line = line
        self.description = "error: \(Self.name(of: kind)): \(message)"
    }

    /// The docs/compatibility.md#d-config spelling of each kind.
    static func name(of kind: Kind) -> String {
        switch kind {
        case .fileNotFound: "FileNotFound"
        case .unreadable: "Unreadable"
        case .syntax: "SyntaxError"
        case .unknownSection: "UnknownSection"
        case .unknownKey: "UnknownKey"
        case .invalidValue: "InvalidValue"
        case .invalidLogLevel: "InvalidLogLevel"
        case .framerateOutOfRange: "FramerateOutOfRange"
        case .invalidShellPath: "InvalidShellPath"
        case .missingValue: "MissingValue"
        }
    }

    /// A value that is present but wrong: `<key> = <value> (<expected>)`.
    static func badValue(_ kind: Kind, key: String, value: String, expected: String) -> ConfigError {
        ConfigError(kind: kind, key: key, value: value, message: "\(key) = \(value) (\(expected))")
    }
}
