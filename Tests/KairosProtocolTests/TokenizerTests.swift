import KairosProtocol
import Testing

/// One line for the tokenizer and what a single scan of it must give.
struct TokenCase: Sendable, CustomTestStringConvertible {
    var input: Bytes
    var expected: Event?
    var needMore = false

    init(_ input: Bytes, _ tokens: [String], consumed: Int? = nil) {
        self.input = input
        expected = .complete(tokens.map(bytes), consumed: consumed ?? input.count)
    }

    init(_ input: String, _ tokens: [String], consumed: Int? = nil) {
        self.init(bytes(input), tokens, consumed: consumed)
    }

    init(_ input: Bytes, _ tokens: [Bytes]) {
        self.input = input
        expected = .complete(tokens, consumed: input.count)
    }

    init(invalid input: String, consumed: Int) {
        self.input = bytes(input)
        expected = .invalid(consumed: consumed)
    }

    init(needMore input: String) {
        self.input = bytes(input)
        needMore = true
    }

    var testDescription: String { String(decoding: input, as: UTF8.self).debugDescription }
}

@Suite("Tokenizer (docs/protocol.md#tokens, D-crlf)")
struct TokenizerTests {
    /// The table of docs/protocol.md#tokens, plus the docs/protocol.md#tokens cases and arbitrary bytes as content.
    static let specTable: [TokenCase] = [
        TokenCase("r1 SET a 5\n", ["r1", "SET", "a", "5"]),
        TokenCase("   r1   STAT   \n", ["r1", "STAT"]),
        TokenCase("r1 GET \"a b\"\n", ["r1", "GET", "a b"]),
        TokenCase("r1 GET a\\b\n", ["r1", "GET", "a\\b"]),
        TokenCase("r1 GET \"x\\\"y\\\\z\\q\"\n", ["r1", "GET", "x\"y\\zq"]),
        TokenCase("r1 GET \"\"\n", ["r1", "GET", ""]),
        TokenCase("\"req 7\" STAT\n", ["req 7", "STAT"]),
        TokenCase("r1 GET \"ab\ncd\"\n", ["r1", "GET", "ab\ncd"]),
        // docs/protocol.md#tokens: a quote ends a bare token, and a closing quote ends a token without a space.
        TokenCase("r1 GET ab\"cd\"\n", ["r1", "GET", "ab", "cd"]),
        TokenCase("r1 GET \"ab\"cd\n", ["r1", "GET", "ab", "cd"]),
        TokenCase("r1 GET \"a\"\"b\"\n", ["r1", "GET", "a", "b"]),
        TokenCase("\"a\"STAT\n", ["a", "STAT"]),
        TokenCase("\"\" STAT\n", ["", "STAT"]),
        TokenCase("\"a b\" STAT\n", ["a b", "STAT"]),
        // Only SP separates; TAB is content; an escaped raw LF is a literal LF.
        TokenCase("r1 GET a\tb\n", ["r1", "GET", "a\tb"]),
        TokenCase("r1\tGET x\n", ["r1\tGET", "x"]),
        TokenCase("r1 GET \"a\\\nb\"\n", ["r1", "GET", "a\nb"]),
        TokenCase("r1 GET \"a\\ b\"\n", ["r1", "GET", "a b"]),
        TokenCase("r1 GET \"\\n\"\n", ["r1", "GET", "n"]),
        // NUL and non-UTF-8 bytes are content (docs/compatibility.md#d-torn-tails).
        TokenCase(bytes("r1 GET ") + [0x00, 0xFF, 0xC3, 0x0A], [bytes("r1"), bytes("GET"), [0x00, 0xFF, 0xC3]]),
        TokenCase("r1 SET a 2026-04-01 02:00:00\n", ["r1", "SET", "a", "2026-04-01", "02:00:00"]),
    ]

    /// D-crlf: one CR right before the terminating LF, outside quotes, is not part of the request.
    static let carriageReturnTable: [TokenCase] = [
        TokenCase("r1 STAT\r\n", ["r1", "STAT"]),
        TokenCase("r1 SET a 5 \r\n", ["r1", "SET", "a", "5"]),
        TokenCase("r1 GET \"a\"\r\n", ["r1", "GET", "a"]),
        TokenCase("r1 GET a\rb\n", ["r1", "GET", "a\rb"]),
        TokenCase("r1 GET a\r b\n", ["r1", "GET", "a\r", "b"]),
        TokenCase("r1 GET a\r\r\n", ["r1", "GET", "a\r"]),
        TokenCase("r1 GET a \r\r\n", ["r1", "GET", "a", "\r"]),
        TokenCase("r1 GET \\\r\n", ["r1", "GET", "\\"]),
        TokenCase("r1 GET \"a\r\"\n", ["r1", "GET", "a\r"]),
        TokenCase("r1 GET \"a\r\n\"\n", ["r1", "GET", "a\r\n"]),
        TokenCase("r1 GET \"a\\\r\"\r\n", ["r1", "GET", "a\r"]),
        TokenCase("\r1 STAT\n", ["\r1", "STAT"]),
        TokenCase("   r1   STAT   \r\n", ["r1", "STAT"]),
        TokenCase("r1 SET j 1775008800000000000\r\n", ["r1", "SET", "j", "1775008800000000000"]),
    ]

    /// INVALID lines: discarded through the first LF of the request, no response.
    static let invalidTable: [TokenCase] = [
        TokenCase(invalid: "\n", consumed: 1),
        TokenCase(invalid: "   \n", consumed: 4),
        TokenCase(invalid: "r1\n", consumed: 3),
        TokenCase(invalid: "  r1   \n", consumed: 8),
        TokenCase(invalid: "\"\"\n", consumed: 3),
        TokenCase(invalid: "\"a b\"\n", consumed: 6),
        TokenCase(invalid: "\r\n", consumed: 2),
        TokenCase(invalid: "  \r\n", consumed: 4),
        TokenCase(invalid: "r1\r\n", consumed: 4),
        TokenCase(invalid: "AUTH\n", consumed: 5),
        // The discard stops at the first LF even when it sat inside the id's quotes.
        TokenCase(invalid: "\"a\nb\" \n", consumed: 3),
        TokenCase(invalid: "\n r1 STAT\n", consumed: 1),
    ]

    /// No complete request yet (docs/protocol.md#connections, docs/protocol.md#framing: an open quote swallows the following lines).
    static let needMoreTable: [TokenCase] = [
        TokenCase(needMore: ""),
        TokenCase(needMore: "   "),
        TokenCase(needMore: "r1"),
        TokenCase(needMore: "r1 "),
        TokenCase(needMore: "r1 STAT"),
        TokenCase(needMore: "r1 STAT "),
        TokenCase(needMore: "r1 STAT\r"),
        TokenCase(needMore: "r1\r"),
        TokenCase(needMore: "\r"),
        TokenCase(needMore: "r1 GET \"ab"),
        TokenCase(needMore: "r1 GET \"ab\\"),
        TokenCase(needMore: "r1 GET \"ab\\\""),
        TokenCase(needMore: "\"r1"),
        TokenCase(needMore: "\"r1\n"),
        TokenCase(needMore: "r1 GET \"a\nr2 STAT\n"),
        TokenCase(needMore: "r1 GET \"a\r\n"),
    ]

    @Test("one scan", arguments: specTable + carriageReturnTable + invalidTable + needMoreTable)
    func singleScan(_ testCase: TokenCase) {
        let (result, tokens) = tokenize(testCase.input)
        if testCase.needMore {
            #expect(result == .needMore)
            return
        }
        switch testCase.expected {
        case .complete(let expectedTokens, let consumed):
            #expect(result == .complete(consumed: consumed))
            #expect(tokens == expectedTokens)
        case .invalid(let consumed):
            #expect(result == .invalid(consumed: consumed))
        case .overflow, nil:
            Issue.record("table entries are complete, invalid or needMore")
        }
    }

    /// Every prefix shorter than what the line consumes is `.needMore`: nothing is decided
    /// before its terminating LF has arrived.
    @Test("shorter prefixes need more", arguments: specTable + carriageReturnTable + invalidTable)
    func prefixesNeedMore(_ testCase: TokenCase) {
        let consumed: Int
        switch testCase.expected {
        case .complete(_, let count), .invalid(let count): consumed = count
        case .overflow, nil: consumed = 0
        }
        for length in 0..<consumed {
            #expect(tokenize(Array(testCase.input[..<length])).0 == .needMore, "prefix of \(length) bytes")
        }
    }

    /// The INVALID decision for a quoted single-token line comes at the LF after the closing
    /// quote, although the discard then stops at the LF inside the quotes.
    @Test("invalid quoted id is decided at its real end")
    func invalidQuotedIDDecidedLate() {
        let input = bytes("\"a\nb\" \n")
        for length in 0..<input.count {
            #expect(tokenize(Array(input[..<length])).0 == .needMore, "prefix of \(length) bytes")
        }
        #expect(tokenize(input).0 == .invalid(consumed: 3))
    }

    @Test("bytes after the request are left alone")
    func trailingBytes() {
        let (result, tokens) = tokenize(bytes("r1 STAT\nr2 GET a\n"))
        #expect(result == .complete(consumed: 8))
        #expect(tokens == ["r1", "STAT"].map(bytes))
        #expect(tokenize(bytes("r1 STAT\r\nr2")).0 == .complete(consumed: 9))
        #expect(tokenize(bytes("\nr2 STAT\n")).0 == .invalid(consumed: 1))
    }

    @Test("the token list is reused across scans")
    func tokenListReuse() {
        var tokens = TokenList()
        let first = bytes("r1 SET job 5 6 7\n")
        let second = bytes("r2 GET \"a b\"\n")
        #expect(first.withUnsafeBytes { Tokenizer.next($0, into: &tokens) } == .complete(consumed: first.count))
        #expect(tokens.count == 6)
        #expect(second.withUnsafeBytes { Tokenizer.next($0, into: &tokens) } == .complete(consumed: second.count))
        #expect(tokens.count == 3)
        #expect(tokens.all == ["r2", "GET", "a b"].map(bytes))
        #expect(tokens.tokenEquals(1, "GET"))
        #expect(!tokens.tokenEquals(1, "GE"))
        #expect(!tokens.tokenEquals(1, "GETS"))
        #expect(!tokens.tokenEquals(1, "get"))
        #expect(tokens.withToken(2) { Array($0) } == bytes("a b"))
    }
}
