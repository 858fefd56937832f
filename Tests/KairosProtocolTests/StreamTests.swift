import KairosProtocol
import Testing

/// A byte stream and what the reactor must get out of it however the bytes are split.
struct StreamCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: Bytes
    var events: [Event]
    var leftover: Int

    var testDescription: String { name }
}

extension Event {
    static func tokens(_ words: [String], _ consumed: Int) -> Event {
        .complete(words.map(bytes), consumed: consumed)
    }
}

@Suite("Tokenizer over a stream: pipelining, split points, the 4096-byte cap")
struct StreamTests {
    static let limit = Tokenizer.requestLimit

    static let streams: [StreamCase] = [
        // the reference's conformance checklist item 13.
        StreamCase(
            name: "four pipelined requests",
            input: bytes("r1 SET a 1\nr2 GET a\nr3 GET\nr4 REMOVE a\n"),
            events: [
                .tokens(["r1", "SET", "a", "1"], 11), .tokens(["r2", "GET", "a"], 9),
                .tokens(["r3", "GET"], 7), .tokens(["r4", "REMOVE", "a"], 12),
            ],
            leftover: 0
        ),
        StreamCase(
            name: "invalid lines between requests",
            input: bytes("\n   \nr1\nr2 STAT\n\"x\" \nr3 GET a\n"),
            events: [
                .invalid(consumed: 1), .invalid(consumed: 4), .invalid(consumed: 3),
                .tokens(["r2", "STAT"], 8), .invalid(consumed: 5), .tokens(["r3", "GET", "a"], 9),
            ],
            leftover: 0
        ),
        StreamCase(
            name: "CRLF client",
            input: bytes("r1 STAT\r\nr2 SET a 5 \r\n\r\nr3 GET \"a\"\r\nr4 GET a\rb\n"),
            events: [
                .tokens(["r1", "STAT"], 9), .tokens(["r2", "SET", "a", "5"], 13), .invalid(consumed: 2),
                .tokens(["r3", "GET", "a"], 12), .tokens(["r4", "GET", "a\rb"], 11),
            ],
            leftover: 0
        ),
        StreamCase(
            name: "raw LF inside quotes",
            input: bytes("r1 GET \"ab\ncd\"\nr2 SET \"x\\\"\ny\" 5\n"),
            events: [.tokens(["r1", "GET", "ab\ncd"], 15), .tokens(["r2", "SET", "x\"\ny", "5"], 17)],
            leftover: 0
        ),
        StreamCase(
            name: "partial trailing request stays buffered (docs/protocol.md#connections)",
            input: bytes("r1 STAT\nr2 GET a"),
            events: [.tokens(["r1", "STAT"], 8)],
            leftover: 8
        ),
        StreamCase(
            name: "unbalanced quote swallows later lines (docs/protocol.md#framing)",
            input: bytes("r1 STAT\nr2 GET \"a\nr3 STAT\n"),
            events: [.tokens(["r1", "STAT"], 8)],
            leftover: 18
        ),
        StreamCase(
            name: "invalid quoted id discards only through its inner LF",
            input: bytes("\"a\nb\" \nr1 STAT\n"),
            events: [.invalid(consumed: 3)],
            // `b" ⏎r1 STAT⏎` is then a bare `b` and an unclosed quote: it waits.
            leftover: 12
        ),
        // the reference's conformance checklist item 12.
        StreamCase(
            name: "4097 bytes without LF",
            input: Bytes(repeating: UInt8(ascii: "a"), count: limit + 1),
            events: [.overflow],
            leftover: 0
        ),
        StreamCase(
            name: "a request of exactly 4096 bytes, then another",
            input: bytes("r1 GET " + String(repeating: "k", count: limit - 8) + "\nr2 STAT\n"),
            events: [.tokens(["r1", "GET", String(repeating: "k", count: limit - 8)], limit), .tokens(["r2", "STAT"], 8)],
            leftover: 0
        ),
        StreamCase(
            name: "a CRLF request of exactly 4096 bytes",
            input: bytes("r1 GET " + String(repeating: "k", count: limit - 9) + "\r\n"),
            events: [.tokens(["r1", "GET", String(repeating: "k", count: limit - 9)], limit)],
            leftover: 0
        ),
        StreamCase(
            name: "a request of 4097 bytes",
            input: bytes("r1 GET " + String(repeating: "k", count: limit - 7) + "\n"),
            events: [.overflow],
            leftover: 0
        ),
        StreamCase(
            name: "a CRLF request of 4097 bytes",
            input: bytes("r1 GET " + String(repeating: "k", count: limit - 8) + "\r\n"),
            events: [.overflow],
            leftover: 0
        ),
        StreamCase(
            name: "the cap counts from the start of each request",
            input: bytes("r1 STAT\n" + "r2 GET " + String(repeating: "k", count: limit - 8) + "\n"),
            events: [.tokens(["r1", "STAT"], 8), .tokens(["r2", "GET", String(repeating: "k", count: limit - 8)], limit)],
            leftover: 0
        ),
        StreamCase(
            name: "an invalid line of exactly 4096 bytes",
            input: bytes(String(repeating: " ", count: limit - 1) + "\nr1 STAT\n"),
            events: [.invalid(consumed: limit), .tokens(["r1", "STAT"], 8)],
            leftover: 0
        ),
        StreamCase(
            name: "an unbalanced quote reaches the cap",
            input: bytes("r1 STAT\nr2 GET \"" + String(repeating: "x\n", count: limit / 2)),
            events: [.tokens(["r1", "STAT"], 8), .overflow],
            leftover: 0
        ),
    ]

    @Test("one read", arguments: streams)
    func oneRead(_ stream: StreamCase) {
        let outcome = drive([stream.input])
        #expect(outcome.events == stream.events)
        #expect(outcome.leftover.count == stream.leftover)
    }

    /// Whatever prefix arrives first, the stream yields the same requests with the same
    /// consumed counts: a prefix gives `.needMore` or the requests already complete in it.
    @Test("every split point", arguments: streams)
    func everySplitPoint(_ stream: StreamCase) {
        let whole = drive([stream.input])
        for split in 0...stream.input.count {
            let outcome = drive(halves(stream.input, at: split))
            #expect(outcome == whole, "split at \(split)")
            if outcome != whole { return }
        }
    }

    @Test("byte by byte", arguments: streams)
    func byteByByte(_ stream: StreamCase) {
        let outcome = drive(stream.input.map { [$0] })
        #expect(outcome == drive([stream.input]))
    }

    /// Only the first `limit` bytes are looked at, and `.overflow` waits until that many exist.
    @Test("the limit parameter")
    func customLimit() {
        #expect(tokenize(bytes("r1 STAT\n"), limit: 8).0 == .complete(consumed: 8))
        #expect(tokenize(bytes("r1 STATS\n"), limit: 8).0 == .overflow)
        #expect(tokenize(bytes("r1 STATS"), limit: 8).0 == .overflow)
        #expect(tokenize(bytes("r1 STAT"), limit: 8).0 == .needMore)
        #expect(tokenize(bytes("r1 STA\r\n"), limit: 8).0 == .complete(consumed: 8))
        #expect(tokenize(bytes("r1 STAT\r\n"), limit: 8).0 == .overflow)
        #expect(tokenize(bytes("       \n"), limit: 8).0 == .invalid(consumed: 8))
        #expect(tokenize(bytes("        \n"), limit: 8).0 == .overflow)
        // Bytes past the window do not matter, even a later request's LF.
        #expect(tokenize(bytes("r1 STAT\nr2 GET a\n"), limit: 8).0 == .complete(consumed: 8))
    }

    @Test("4095 bytes without LF still wait")
    func justUnderTheCap() {
        #expect(tokenize(Bytes(repeating: UInt8(ascii: "a"), count: Tokenizer.requestLimit - 1)).0 == .needMore)
        #expect(tokenize(Bytes(repeating: UInt8(ascii: "a"), count: Tokenizer.requestLimit)).0 == .overflow)
    }
}
