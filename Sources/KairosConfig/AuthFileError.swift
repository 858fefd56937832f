/// Why an auth file was refused (docs/protocol.md#authentication). `description` is the line the server prints before exiting 1.
public struct AuthFileError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case missingSecret, emptyNamespace, duplicateSecret, fileNotFound, unreadable, tooLarge, syntax
    }

    public var kind: Kind
    /// The token the error is about (the later one for `duplicateSecret`); nil for file-level errors.
    public var token: String?
    /// The 1-based line, for syntax errors.
    public var line: Int?
    /// e.g. `error: MissingSecret: token "deploy" has no secret` — starts with the docs/compatibility.md#d-config error name.
    public var description: String

    init(kind: Kind, token: String? = nil, line: Int? = nil, message: String) {
        self.kind = kind
        self.token = token
        self.line = line
        self.description = "error: \(Self.name(of: kind)): \(message)"
    }

    static func name(of kind: Kind) -> String {
        switch kind {
        case .missingSecret: "MissingSecret"
        case .emptyNamespace: "EmptyNamespace"
        case .duplicateSecret: "DuplicateSecret"
        case .fileNotFound: "FileNotFound"
        case .unreadable: "Unreadable"
        case .tooLarge: "FileTooLarge"
        case .syntax: "SyntaxError"
        }
    }
}
