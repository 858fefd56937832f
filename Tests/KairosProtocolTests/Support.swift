import KairosProtocol

/// The UTF-8 bytes of `text`.
func bytes(_ text: String) -> Bytes { Array(text.utf8) }

/// One tokenizer result as the reactor would see it, with the tokens copied out.
enum Event: Equatable, CustomStringConvertible {
    case complete([Bytes], consumed: Int)
    case invalid(consumed: Int)
    case overflow

    var description: String {
        switch self {
        case .complete(let tokens, let consumed):
            "complete(\(tokens.map { String(decoding: $0, as: UTF8.self).debugDescription }), \(consumed))"
        case .invalid(let consumed): "invalid(\(consumed))"
        case .overflow: "overflow"
        }
    }
}

extension TokenList {
    /// Every token copied, in order.
    var all: [Bytes] { (0..<count).map { token($0) } }
}

/// Tokenizes the start of `input` once.
func tokenize(_ input: Bytes, limit: Int = Tokenizer.requestLimit) -> (TokenizeResult, [Bytes]) {
    var tokens = TokenList()
    let result = input.withUnsafeBytes { Tokenizer.next($0, into: &tokens, limit: limit) }
    if case .complete = result { return (result, tokens.all) }
    return (result, [])
}

/// What a whole stream produced: the events in order and the bytes left unconsumed.
struct DriveOutcome: Equatable, CustomStringConvertible {
    var events: [Event] = []
    var leftover: Bytes = []

    var description: String { "\(events) leftover=\(leftover.count)" }
}

/// Feeds `chunks` one after the other into a receive buffer and, after each, drains every
/// request the tokenizer can find, exactly like the reactor does. Stops at `.overflow`,
/// leaving `leftover` empty.
func drive(_ chunks: [Bytes], limit: Int = Tokenizer.requestLimit) -> DriveOutcome {
    var buffer = Bytes()
    var offset = 0
    var tokens = TokenList()
    var outcome = DriveOutcome()
    for chunk in chunks {
        buffer.append(contentsOf: chunk)
        while true {
            let result = buffer.withUnsafeBytes { raw in
                Tokenizer.next(UnsafeRawBufferPointer(rebasing: raw[offset...]), into: &tokens, limit: limit)
            }
            switch result {
            case .needMore:
                break
            case .complete(let consumed):
                precondition(consumed > 0 && consumed <= buffer.count - offset)
                outcome.events.append(.complete(tokens.all, consumed: consumed))
                offset += consumed
                continue
            case .invalid(let consumed):
                precondition(consumed > 0 && consumed <= buffer.count - offset)
                outcome.events.append(.invalid(consumed: consumed))
                offset += consumed
                continue
            case .overflow:
                // The connection closes here; how much had arrived by then is not part of
                // the outcome, since it depends on the read sizes.
                outcome.events.append(.overflow)
                return outcome
            }
            break
        }
    }
    outcome.leftover = Array(buffer[offset...])
    return outcome
}

/// The input cut in two at `split`.
func halves(_ input: Bytes, at split: Int) -> [Bytes] {
    [Array(input[..<split]), Array(input[split...])]
}

/// Tokenizes and parses one line that must form a complete request.
func parseLine(_ line: Bytes) -> ParsedLine? {
    var tokens = TokenList()
    let result = line.withUnsafeBytes { Tokenizer.next($0, into: &tokens) }
    guard case .complete(let consumed) = result, consumed == line.count else { return nil }
    return RequestParser.parse(tokens)
}

func parseLine(_ line: String) -> ParsedLine? { parseLine(bytes(line)) }

/// Shorthand for an expected request.
func request(_ id: String, _ command: Command) -> ParsedLine {
    .request(Request(id: bytes(id), command: command))
}

/// Tokenizes and parses every request in `buffer` in one pass, as the reactor does after a
/// read; each complete request comes with the offset just past it. INVALID lines are skipped;
/// the scan stops at the first `.needMore` or `.overflow`.
func parseAll(_ buffer: Bytes) -> [(line: ParsedLine, end: Int)] {
    var tokens = TokenList()
    var offset = 0
    var parsed: [(line: ParsedLine, end: Int)] = []
    while true {
        let result = buffer.withUnsafeBytes { raw in
            Tokenizer.next(UnsafeRawBufferPointer(rebasing: raw[offset...]), into: &tokens)
        }
        switch result {
        case .complete(let consumed):
            offset += consumed
            parsed.append((RequestParser.parse(tokens), offset))
        case .invalid(let consumed):
            offset += consumed
        case .needMore, .overflow:
            return parsed
        }
    }
}
