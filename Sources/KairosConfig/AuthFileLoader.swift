import KairosProtocol
import TOMLKit

/// One `[token.<name>]` of the auth file: the secret a client sends with AUTH and the namespace it then gets.
public struct AuthToken: Sendable, Equatable {
    public var name: String
    public var secret: [UInt8]
    /// `*` means unrestricted; anything else is a literal id prefix (docs/protocol.md#authentication).
    public var namespace: [UInt8]

    public init(name: String, secret: [UInt8], namespace: [UInt8]) {
        self.name = name
        self.secret = secret
        self.namespace = namespace
    }

    /// The namespace as the protocol layer checks it.
    public var scope: Namespace {
        namespace == Array("*".utf8) ? .unrestricted : .prefix(namespace)
    }
}

/// Reads the auth file of docs/protocol.md#authentication as real TOML, keeping the reference's leniency: sections other than
/// `[token.<name>]` and keys other than `secret`/`namespace` are ignored, and a token name may repeat.
public enum AuthFileLoader {
    /// docs/protocol.md#authentication semantics, but parsed with TOMLKit (the file is TOML: [token.<name>] tables with secret and
    /// namespace strings). A missing secret, an empty namespace or a duplicate secret is an error naming the token;
    /// an unreadable or missing file and files > 1 MiB are errors too. Every message starts with the file.
    public static func load(path: String) throws(AuthFileError) -> [AuthToken] {
        let file = "auth file \(TOMLText.path(path))"
        switch TextFile.load(path: path) {
        case .success(let text):
            do throws(AuthFileError) {
                return try parse(toml: text)
            } catch {
                throw error.inFile(path)
            }
        case .failure(.notFound):
            throw AuthFileError(kind: .fileNotFound, message: "\(file): \(TextFile.notFoundText)")
        case .failure(.unreadable(let reason)):
            throw AuthFileError(kind: .unreadable, message: "\(file): \(reason)")
        case .failure(.tooLarge):
            throw AuthFileError(kind: .tooLarge, message: "\(file): larger than the 1 MiB limit")
        case .failure(.notUTF8):
            throw AuthFileError(kind: .unreadable, message: "\(file): not valid UTF-8 text")
        }
    }

    /// Tokens in file order.
    public static func parse(toml: String) throws(AuthFileError) -> [AuthToken] {
        var tokens: [AuthToken] = []
        var ownerOfSecret: [[UInt8]: String] = [:]
        for table in try documents(toml) {
            for token in try validTokens(in: table) {
                if let earlier = ownerOfSecret[token.secret] {
                    let (later, first) = (TOMLText.quoted(token.name), TOMLText.quoted(earlier))
                    let message = "token \(later) has the same secret as token \(first)"
                    throw AuthFileError(kind: .duplicateSecret, token: token.name, message: message)
                }
                ownerOfSecret[token.secret] = token.name
                tokens.append(token)
            }
        }
        return tokens
    }

    // MARK: Repeated token names

    /// Real TOML refuses a second `[token.x]` header, but the reference accepts repeated token names, so the
    /// text is parsed as several documents, each starting at a token header. That also keeps tokens in file
    /// order, which one TOML table (sorted by key) would lose.
    ///
    /// The fast cut is before every line that looks like `[token.<name>]`. A piece that parses ended at a
    /// statement boundary (a piece ending inside a multi-line string or array cannot parse), and a statement
    /// starting with `[` is a table header, so parsed pieces mean what the whole file means. When a piece does
    /// not parse, the rest of the file is parsed as one document instead: that reports a real syntax error at
    /// its true line, or names the next repeated header, which is then a cut known to be safe. Each piece is
    /// parsed about once, so thousands of repeated names stay linear.
    private static func documents(_ text: String) throws(AuthFileError) -> [TOMLTable] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let cuts = lines.indices.dropFirst().filter { looksLikeTokenHeader(lines[$0]) } + [lines.count]
        var nextCut = 0
        var tables: [TOMLTable] = []
        var start = 0
        while start < lines.count {
            while cuts[nextCut] <= start {
                nextCut += 1
            }
            if case .success(let table) = TOMLDocument.parse(lines[start..<cuts[nextCut]].joined(separator: "\n")) {
                tables.append(table)
                start = cuts[nextCut]
                continue
            }
            switch TOMLDocument.parse(lines[start...].joined(separator: "\n")) {
            case .success(let table):
                tables.append(table)
                return tables
            case .failure(let failure):
                let cut = start + failure.line - 1
                guard isRepeatedTokenHeader(failure), cut > start, cut < lines.count else {
                    throw syntaxError(failure, lineOffset: start)
                }
                switch TOMLDocument.parse(lines[start..<cut].joined(separator: "\n")) {
                case .success(let table): tables.append(table)
                case .failure(let failure): throw syntaxError(failure, lineOffset: start)
                }
                start = cut
            }
        }
        return tables
    }

    private static func looksLikeTokenHeader(_ line: Substring) -> Bool {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let text = line.drop(while: blank)
        guard text.hasPrefix("["), !text.hasPrefix("[[") else { return false }
        let key = text.dropFirst().drop(while: blank)
        guard key.hasPrefix("token") else { return false }
        return key.dropFirst("token".count).drop(while: blank).hasPrefix(".")
    }

    /// toml++ reports a second `[token.x]` as
    /// `Error while parsing table header: cannot redefine existing table 'token.x'`.
    private static func isRepeatedTokenHeader(_ failure: TOMLDocument.SyntaxFailure) -> Bool {
        guard let marker = failure.message.range(of: "cannot redefine existing table '") else { return false }
        let key = failure.message[marker.upperBound...].filter { $0 != " " && $0 != "\t" }
        return key.hasPrefix("token.")
    }

    private static func syntaxError(_ failure: TOMLDocument.SyntaxFailure, lineOffset: Int) -> AuthFileError {
        var shifted = failure
        shifted.line += lineOffset
        return AuthFileError(kind: .syntax, line: shifted.line, message: shifted.text)
    }

    /// The `[token.<name>]` tables of one document, validated; anything else under `token` is ignored like the
    /// reference ignores it.
    private static func validTokens(in root: TOMLTable) throws(AuthFileError) -> [AuthToken] {
        guard let group = root["token"]?.table else { return [] }
        var tokens: [AuthToken] = []
        for name in group.keys.sorted() where !name.isEmpty {
            guard let table = group[name]?.table else { continue }
            tokens.append(try token(named: name, table))
        }
        return tokens
    }

    private static func token(named name: String, _ table: TOMLTable) throws(AuthFileError) -> AuthToken {
        let shown = TOMLText.quoted(name)
        guard let secretNode = table["secret"] else {
            throw AuthFileError(kind: .missingSecret, token: name, message: "token \(shown) has no secret")
        }
        guard let secret = secretNode.string else {
            let value = TOMLText.value(secretNode)
            let message = "token \(shown): secret must be a string, not \(value)"
            throw AuthFileError(kind: .missingSecret, token: name, message: message)
        }
        guard let namespaceNode = table["namespace"] else {
            throw AuthFileError(kind: .emptyNamespace, token: name, message: "token \(shown) has no namespace")
        }
        guard let namespace = namespaceNode.string else {
            let value = TOMLText.value(namespaceNode)
            let message = "token \(shown): namespace must be a string, not \(value)"
            throw AuthFileError(kind: .emptyNamespace, token: name, message: message)
        }
        guard !namespace.isEmpty else {
            throw AuthFileError(kind: .emptyNamespace, token: name, message: "token \(shown) has an empty namespace (use \"*\" for every id)")
        }
        return AuthToken(name: name, secret: Array(secret.utf8), namespace: Array(namespace.utf8))
    }
}
