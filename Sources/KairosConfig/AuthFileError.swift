/// Why an auth file was refused (docs/protocol.md#authentication). The server prints `error: <description>` and
/// exits 1 at start; a SIGHUP reload logs it and keeps the old tokens.
///
/// `description` names the file first and then the problem in plain words, e.g. `auth file /etc/kairos/tokens.toml:
/// token "deploy" has no secret`. The `Kind` names are for code and tests and never appear in it; it has no
/// `error: ` prefix of its own.
public struct AuthFileError: Error, Equatable, CustomStringConvertible {
    /// The reference's error names (`MissingSecret`, ...), plus Kairos's file-level failures.
    public enum Kind: Sendable, Equatable {
        case missingSecret, emptyNamespace, duplicateSecret, fileNotFound, unreadable, tooLarge, syntax
    }

    public var kind: Kind
    /// The token the error is about (the later one for `duplicateSecret`); nil for file-level errors.
    public var token: String?
    /// The 1-based line, for syntax errors.
    public var line: Int?
    /// e.g. `auth file tokens.toml: token "deploy" has no secret`.
    public var description: String

    init(kind: Kind, token: String? = nil, line: Int? = nil, message: String) {
        self.kind = kind
        self.token = token
        self.line = line
        self.description = message
    }

    /// The same error, about the file at `path` (tokens are validated before the loader knows a path).
    func inFile(_ path: String) -> AuthFileError {
        var located = self
        located.description = "auth file \(TOMLText.path(path))\(kind == .syntax ? ", " : ": ")\(description)"
        return located
    }
}
