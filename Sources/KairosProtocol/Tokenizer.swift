/// What one scan of the receive buffer found (docs/protocol.md#framing, docs/protocol.md#tokens).
public enum TokenizeResult: Equatable, Sendable {
    /// No complete request yet, and fewer than `limit` bytes are buffered.
    case needMore
    /// The tokens are filled; `consumed` bytes (through the terminating LF) belong to the request.
    case complete(consumed: Int)
    /// The reference's "INVALID" (empty line, spaces only, a single token): drop `consumed` bytes, which
    /// run through the first LF of the input, and answer nothing.
    case invalid(consumed: Int)
    /// `limit` bytes were scanned without a complete request: the caller closes the
    /// connection without a reply (docs/protocol.md#framing, docs/protocol.md#framing).
    case overflow
}

/// The request tokenizer of docs/protocol.md#tokens, plus Kairos decision D-crlf (one CR directly before the
/// terminating LF, outside quotes, is not part of the request).
///
/// It keeps no state between calls: each call rescans the unconsumed bytes from the start of
/// the request. A request is at most `requestLimit` bytes, so a client dribbling bytes costs
/// at most that much rescanning per byte, and the outcome never depends on how the bytes were
/// split across reads.
public enum Tokenizer {
    /// Longest accepted request, from its first byte through its LF (docs/protocol.md#framing).
    public static let requestLimit = 4096

    /// Scans the start of `input` (the unconsumed bytes) for one request.
    ///
    /// Only the first `limit` bytes are looked at: a request longer than `limit` gives
    /// `.overflow` once `limit` bytes are available and `.needMore` before that.
    /// After `.complete`, `tokens` holds the request id and at least one argument.
    public static func next(
        _ input: UnsafeRawBufferPointer,
        into tokens: inout TokenList,
        limit: Int = requestLimit
    ) -> TokenizeResult {
        precondition(limit > 0, "the request limit must be positive")
        tokens.reset()
        let window = UnsafeRawBufferPointer(rebasing: input.prefix(limit))
        var scanner = Scanner(bytes: window)
        switch scanner.scanRequest(into: &tokens) {
        case .complete(let consumed):
            return .complete(consumed: consumed)
        case .invalid:
            // docs/protocol.md#tokens: discard through the first LF searching from the start of the request,
            // even when that LF sat inside a quoted token. The scan saw an LF, so one exists.
            let lineFeed = window.firstIndex(of: Scanner.lineFeed)!
            return .invalid(consumed: lineFeed + 1)
        case .incomplete:
            return input.count >= limit ? .overflow : .needMore
        }
    }
}

// MARK: - Scanning

/// A cursor over the bytes of one request window; the steps are those of docs/protocol.md#tokens.
private struct Scanner {
    enum Outcome {
        case complete(consumed: Int)
        case invalid
        case incomplete
    }

    /// Reading a token either succeeds or runs out of bytes.
    enum TokenOutcome {
        case read
        case incomplete
    }

    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C

    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var atEnd: Bool { position == bytes.count }

    mutating func scanRequest(into tokens: inout TokenList) -> Outcome {
        // Steps 1-3: an id followed by at least one argument, or the line is INVALID.
        skipSpaces()
        if atEnd { return .incomplete }
        if terminatorLength(at: position) != 0 { return .invalid }
        if case .incomplete = readToken(into: &tokens) { return .incomplete }
        skipSpaces()
        if atEnd { return .incomplete }
        if terminatorLength(at: position) != 0 { return .invalid }
        // Step 4: arguments up to the terminator.
        while !atEnd && terminatorLength(at: position) == 0 {
            if case .incomplete = readToken(into: &tokens) { return .incomplete }
            skipSpaces()
        }
        // Step 5.
        if atEnd { return .incomplete }
        return .complete(consumed: position + terminatorLength(at: position))
    }

    /// 1 for LF, 2 for CR LF (D-crlf), 0 otherwise. Only meaningful outside quotes. A CR that is
    /// the last byte available is not a terminator yet: it is data until an LF is seen after it,
    /// and the scan then ends incomplete anyway, so the next call decides.
    func terminatorLength(at index: Int) -> Int {
        let byte = bytes[index]
        if byte == Self.lineFeed { return 1 }
        if byte == Self.carriageReturn && index + 1 < bytes.count && bytes[index + 1] == Self.lineFeed {
            return 2
        }
        return 0
    }

    mutating func skipSpaces() {
        while !atEnd && bytes[position] == Self.space { position += 1 }
    }

    /// Reads one token at a byte that is neither SP nor a terminator.
    mutating func readToken(into tokens: inout TokenList) -> TokenOutcome {
        if bytes[position] == Self.quote {
            return readQuoted(into: &tokens)
        }
        readBare(into: &tokens)
        return .read
    }

    /// Up to SP, LF, `"` (docs/protocol.md#tokens) or a CR LF pair; never empty, backslashes literal.
    mutating func readBare(into tokens: inout TokenList) {
        let start = position
        while !atEnd {
            let byte = bytes[position]
            if byte == Self.space || byte == Self.quote || terminatorLength(at: position) != 0 { break }
            position += 1
        }
        tokens.append(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        tokens.endToken()
    }

    /// From an opening `"` through the closing one; `\x` yields `x` for any byte, raw LF and
    /// CR are data. Unescaped runs are copied in one piece.
    mutating func readQuoted(into tokens: inout TokenList) -> TokenOutcome {
        position += 1
        var runStart = position
        while !atEnd {
            let byte = bytes[position]
            if byte == Self.quote {
                tokens.append(UnsafeRawBufferPointer(rebasing: bytes[runStart..<position]))
                tokens.endToken()
                position += 1
                return .read
            }
            if byte == Self.backslash {
                tokens.append(UnsafeRawBufferPointer(rebasing: bytes[runStart..<position]))
                if position + 1 == bytes.count { return .incomplete }
                tokens.append(bytes[position + 1])
                position += 2
                runStart = position
            } else {
                position += 1
            }
        }
        return .incomplete
    }
}
