import KairosProtocol

/// How the server answers an instruction: one line, or record lines closed by `OK`.
public enum AnswerShape: Equatable, Sendable {
    case single
    case multi
}

/// Why a command was not sent: the server would refuse it, swallow it, or close the connection.
public enum RequestError: Error, Equatable, Sendable, CustomStringConvertible {
    case unterminatedQuote
    case invalidTimestamp(String, RFC3339.Failure)
    case tooLong(Int)

    public var description: String {
        switch self {
        case .unterminatedQuote:
            return "unterminated quote (a \" opens a token that must be closed on the same line)"
        case .invalidTimestamp(let token, let failure):
            let reason: String
            switch failure {
            case .malformed: reason = "expected an RFC 3339 date-time such as 2026-12-24T18:00:00Z"
            case .outOfRange: reason = "a field is out of range"
            case .overflow: reason = "outside 1677-09-21 to 2262-04-11"
            }
            return "invalid timestamp \(token): \(reason)"
        case .tooLong(let bytes):
            return "request of \(bytes) bytes is longer than \(Tokenizer.requestLimit) (the server would close the connection)"
        }
    }
}

/// One command as it goes on the wire, without its request id: the instruction and its
/// arguments, normalised so that a shell user's habits work (see `normalised`).
public struct ClientRequest: Equatable, Sendable {
    public var tokens: [[UInt8]]

    /// Instructions the server knows; `kairos cli` accepts them in any case.
    static let instructions: Set<String> = ["SET", "GET", "QUERY", "REMOVE", "RULE", "REMOVERULE", "LISTRULES", "STAT"]

    public init(tokens: [[UInt8]]) { self.tokens = tokens }

    /// A command given as separate arguments (`kairos cli SET job 2026-12-24T18:00:00Z`).
    public static func fromArguments(_ arguments: [String]) throws(RequestError) -> ClientRequest {
        try ClientRequest(tokens: arguments.map { Array($0.utf8) }).normalised()
    }

    /// A command typed as protocol text without the id (`SET job "2026-12-24 18:00:00"`),
    /// tokenized exactly as the server tokenizes; `nil` for a blank line.
    public static func fromLine(_ line: [UInt8]) throws(RequestError) -> ClientRequest? {
        guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) else { return nil }
        // The server's tokenizer wants a request id first; a placeholder one is dropped again.
        let framed = Array("x ".utf8) + line + [UInt8(ascii: "\n")]
        var list = TokenList()
        let result = framed.withUnsafeBytes { Tokenizer.next($0, into: &list, limit: framed.count + 1) }
        switch result {
        case .complete(let consumed) where consumed == framed.count:
            return try ClientRequest(tokens: (1..<list.count).map { list.token($0) }).normalised()
        case .complete, .needMore:
            // A quoted LF cannot come from one line, so a request ending early or never means
            // an open quote.
            throw .unterminatedQuote
        case .invalid, .overflow:
            return nil
        }
    }

    /// Upper-cases a known instruction (and `SET` after `RULE`), converts an RFC 3339 SET
    /// timestamp to nanoseconds and refuses what the server would silently drop or close on.
    func normalised() throws(RequestError) -> ClientRequest {
        var tokens = self.tokens
        guard let first = tokens.first else { return self }
        let keyword = String(decoding: first, as: UTF8.self).uppercased()
        if Self.instructions.contains(keyword) {
            tokens[0] = Array(keyword.utf8)
        }
        if keyword == "RULE", tokens.count > 1, String(decoding: tokens[1], as: UTF8.self).uppercased() == "SET" {
            tokens[1] = Array("SET".utf8)
        }
        if keyword == "SET", tokens.count > 2 {
            let stamp = String(decoding: tokens[2], as: UTF8.self)
            if RFC3339.looksLikeDateTime(stamp) {
                do {
                    tokens[2] = Array(String(try RFC3339.nanoseconds(stamp)).utf8)
                } catch {
                    throw .invalidTimestamp(stamp, error)
                }
            }
        }
        let request = ClientRequest(tokens: tokens)
        // Longest generated id ("c" and 19 digits) plus a space: the line must fit the server's limit.
        let length = request.line(id: Array("c9223372036854775807".utf8)).count
        guard length <= Tokenizer.requestLimit else { throw .tooLong(length) }
        return request
    }

    public var shape: AnswerShape {
        switch tokens.first.map({ String(decoding: $0, as: UTF8.self) }) {
        case "QUERY", "LISTRULES", "STAT": return .multi
        default: return .single
        }
    }

    /// True for `STAT`, which interactive mode prints as a table and `--json` as an object.
    public var isStat: Bool { tokens.first == Array("STAT".utf8) }

    /// `<id> <tokens>\n`, quoting tokens that are empty or hold a space, quote or LF.
    public func line(id: [UInt8]) -> [UInt8] {
        var bytes = Self.encode(id)
        for token in tokens {
            bytes.append(UInt8(ascii: " "))
            bytes += Self.encode(token)
        }
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// A bare token where the tokenizer reads it back unchanged, else a quoted one with `"`
    /// and `\` escaped (inside quotes a backslash takes the next byte literally).
    static func encode(_ token: [UInt8]) -> [UInt8] {
        let special: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\""), UInt8(ascii: "\n")]
        guard token.isEmpty || token.contains(where: special.contains) else { return token }
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        for byte in token {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { quoted.append(UInt8(ascii: "\\")) }
            quoted.append(byte)
        }
        quoted.append(UInt8(ascii: "\""))
        return quoted
    }

    /// The command as typed back to the user in messages; an `AUTH` line's secret is hidden.
    public var text: String {
        let words = tokens.map { String(decoding: Self.encode($0), as: UTF8.self) }
        if words.first?.uppercased() == "AUTH" && words.count > 1 { return words[0] + " ***" }
        return words.joined(separator: " ")
    }
}
