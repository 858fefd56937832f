import KairosProtocol
import Testing

/// One head and what the parser must make of it once all its bytes are there.
struct HeadCase: Sendable, CustomTestStringConvertible {
    var input: Bytes
    var expected: HTTPHeadResult

    init(_ input: String, _ expected: HTTPHeadResult) {
        self.init(bytes(input), expected)
    }

    /// A `.request` expected with `consumed: -1` consumes the whole input.
    init(_ input: Bytes, _ expected: HTTPHeadResult) {
        self.input = input
        if case .request(let head, -1) = expected {
            self.expected = .request(head, consumed: input.count)
        } else {
            self.expected = expected
        }
    }

    var testDescription: String { String(decoding: input.prefix(80), as: UTF8.self).debugDescription }
}

func parseHead(_ input: Bytes) -> HTTPHeadResult {
    input.withUnsafeBytes { HTTPHeadParser.parse($0) }
}

func head(
    _ method: String, _ target: String, http11: Bool = true, length: Int? = nil, keepAlive: Bool? = nil,
    expects: Bool = false, authorization: String? = nil
) -> HTTPHead {
    HTTPHead(
        method: bytes(method), target: bytes(target), isHTTP11: http11, contentLength: length,
        keepAlive: keepAlive ?? http11, expectsContinue: expects, authorization: authorization.map(bytes))
}

@Suite("HTTP head parser (RFC 9112, D-http-api)")
struct HTTPHeadParserTests {
    static let host = "Host: k\r\n"

    static let table: [HeadCase] = [
        HeadCase("GET /health HTTP/1.1\r\n\(host)\r\n", .request(head("GET", "/health"), consumed: -1)),
        HeadCase("GET /jobs?prefix=a%20b HTTP/1.1\r\nhost: k\r\n\r\n", .request(head("GET", "/jobs?prefix=a%20b"), consumed: -1)),
        // Leading empty lines are skipped and counted as consumed.
        HeadCase("\r\n\r\nGET / HTTP/1.1\r\n\(host)\r\n", .request(head("GET", "/"), consumed: -1)),
        HeadCase(
            "PUT /jobs/a HTTP/1.1\r\n\(host)Content-Length: 12\r\n\r\n",
            .request(head("PUT", "/jobs/a", length: 12), consumed: -1)),
        // Equal duplicates are one length (RFC 9112 §6.3); optional whitespace is trimmed.
        HeadCase(
            "PUT /x HTTP/1.1\r\n\(host)content-length:  3 \r\nCONTENT-LENGTH: 3\r\n\r\n",
            .request(head("PUT", "/x", length: 3), consumed: -1)),
        HeadCase(
            "GET / HTTP/1.1\r\n\(host)Connection: keep-alive, Close\r\n\r\n",
            .request(head("GET", "/", keepAlive: false), consumed: -1)),
        // HTTP/1.0 is served and closed, keep-alive or not; it needs no Host and ignores Expect.
        HeadCase(
            "GET / HTTP/1.0\r\nConnection: keep-alive\r\nExpect: nonsense\r\n\r\n",
            .request(head("GET", "/", http11: false), consumed: -1)),
        HeadCase(
            "PUT /jobs/a HTTP/1.1\r\n\(host)Expect: 100-Continue\r\nContent-Length: 2\r\n\r\n",
            .request(head("PUT", "/jobs/a", length: 2, expects: true), consumed: -1)),
        HeadCase(
            "GET /stat HTTP/1.1\r\n\(host)Authorization: Bearer s3cret\r\n\r\n",
            .request(head("GET", "/stat", authorization: "Bearer s3cret"), consumed: -1)),
        // Unknown headers and obs-text values are fine.
        HeadCase(
            bytes("GET / HTTP/1.1\r\n\(host)X-Thing: caf") + [0xC3, 0xA9] + bytes("\r\n\r\n"),
            .request(head("GET", "/"), consumed: -1)),

        // Refusals.
        HeadCase("GET / HTTP/1.1\n\(host)\r\n", .invalid(.badRequest)),  // bare LF
        HeadCase("GET /  HTTP/1.1\r\n\(host)\r\n", .invalid(.badRequest)),  // two spaces
        HeadCase("GET / HTTP/1.1 \r\n\(host)\r\n", .invalid(.badRequest)),
        HeadCase("GET http://x/ HTTP/1.1\r\n\(host)\r\n", .invalid(.badRequest)),  // absolute form
        HeadCase("GET * HTTP/1.1\r\n\(host)\r\n", .invalid(.badRequest)),
        HeadCase("G(T / HTTP/1.1\r\n\(host)\r\n", .invalid(.badRequest)),
        HeadCase(" GET / HTTP/1.1\r\n\(host)\r\n", .invalid(.badRequest)),
        HeadCase("GET / http/1.1\r\n\(host)\r\n", .invalid(.badRequest)),
        HeadCase("GET / HTTP/2.0\r\n\(host)\r\n", .invalid(.unsupportedVersion)),
        HeadCase("GET /\r\n\r\n", .invalid(.badRequest)),
        HeadCase("GET / HTTP/1.1\r\n\r\n", .invalid(.badRequest)),  // no Host
        HeadCase("GET / HTTP/1.1\r\n\(host)\(host)\r\n", .invalid(.badRequest)),
        HeadCase("GET / HTTP/1.1\r\n\(host)X : y\r\n\r\n", .invalid(.badRequest)),
        HeadCase("GET / HTTP/1.1\r\n\(host) folded\r\n\r\n", .invalid(.badRequest)),
        HeadCase("GET / HTTP/1.1\r\n\(host)novalue\r\n\r\n", .invalid(.badRequest)),
        HeadCase("GET / HTTP/1.1\r\n\(host)X: a\u{1}b\r\n\r\n", .invalid(.badRequest)),
        HeadCase("GET / HTTP/1.1\r\n\(host)Authorization: a\r\nAuthorization: b\r\n\r\n", .invalid(.badRequest)),
        HeadCase("PUT / HTTP/1.1\r\n\(host)Content-Length: 1\r\nContent-Length: 2\r\n\r\n", .invalid(.badContentLength)),
        HeadCase("PUT / HTTP/1.1\r\n\(host)Content-Length: +1\r\n\r\n", .invalid(.badContentLength)),
        HeadCase("PUT / HTTP/1.1\r\n\(host)Content-Length: 1, 1\r\n\r\n", .invalid(.badContentLength)),
        HeadCase("PUT / HTTP/1.1\r\n\(host)Content-Length:\r\n\r\n", .invalid(.badContentLength)),
        HeadCase("PUT / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n", .invalid(.transferEncoding)),
        HeadCase(
            "PUT / HTTP/1.1\r\n\(host)Content-Length: 3\r\nTransfer-Encoding: identity\r\n\r\n",
            .invalid(.transferEncoding)),
        HeadCase("PUT / HTTP/1.1\r\n\(host)Content-Length: 1048577\r\n\r\n", .invalid(.bodyTooLarge)),
        HeadCase("PUT / HTTP/1.1\r\n\(host)Content-Length: 99999999999999999999\r\n\r\n", .invalid(.bodyTooLarge)),
        HeadCase("PUT / HTTP/1.1\r\n\(host)Expect: 200-ok\r\n\r\n", .invalid(.unsupportedExpectation)),
    ]

    /// Every prefix of the head gives `.needMore` or the final answer (an early refusal), never
    /// anything else; the whole head gives exactly the expected result.
    @Test(arguments: table)
    func everySplitPoint(_ testCase: HeadCase) {
        for split in 0..<testCase.input.count {
            let partial = parseHead(Array(testCase.input[..<split]))
            #expect(partial == .needMore || partial == testCase.expected, "split at \(split)")
            if case .request = partial { Issue.record("a request before its end, split at \(split)") }
        }
        #expect(parseHead(testCase.input) == testCase.expected)
        // Bytes after the head (a body, the next request) change nothing.
        #expect(parseHead(testCase.input + bytes("GET / HTTP/1.1\r\n")) == testCase.expected)
    }

    @Test func exactBodyLimitIsAccepted() {
        let input = bytes("PUT /jobs/a HTTP/1.1\r\nHost: k\r\nContent-Length: 1048576\r\n\r\n")
        #expect(parseHead(input) == .request(head("PUT", "/jobs/a", length: 1 << 20), consumed: input.count))
    }

    @Test func headLimit() {
        let prefix = "GET / HTTP/1.1\r\nHost: k\r\nX: "
        let fits = bytes(prefix + String(repeating: "a", count: HTTPHeadParser.headLimit - prefix.utf8.count - 4) + "\r\n\r\n")
        #expect(fits.count == HTTPHeadParser.headLimit)
        #expect(parseHead(fits) == .request(head("GET", "/"), consumed: fits.count))
        let over = bytes(prefix + String(repeating: "a", count: HTTPHeadParser.headLimit))
        #expect(parseHead(Array(over.prefix(HTTPHeadParser.headLimit - 1))) == .needMore)
        #expect(parseHead(Array(over.prefix(HTTPHeadParser.headLimit))) == .invalid(.badRequest))
        #expect(parseHead(over) == .invalid(.badRequest))
    }

    @Test func arbitraryBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = bytes("GET PUT / HTTP/1.1\r\n:Host Content-Length 0123456789 ,\t") + [0, 0x7F, 0xFF]
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<200, using: &generator)
            let input = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            if case .request(_, let consumed) = parseHead(input) {
                #expect(consumed <= input.count)
            }
        }
    }
}

/// Random pipelined requests, delivered in random pieces, framed the way the reactor frames them
/// (head, then `Content-Length` bytes of body): every request comes out whole and in order,
/// whatever the split points.
@Suite("HTTP head parser over a stream")
struct HTTPStreamTests {
    struct Sent: Equatable {
        var method: Bytes
        var target: Bytes
        var body: Bytes
    }

    static func randomRequest(_ rng: inout SystemRandomNumberGenerator) -> (Bytes, Sent) {
        let method = ["GET", "PUT", "DELETE", "PATCH"].randomElement(using: &rng)!
        let target = "/" + String((0..<Int.random(in: 0..<20, using: &rng)).map { _ in "abc/%?=&.-_09".randomElement(using: &rng)! })
        let body = Bytes((0..<Int.random(in: 0..<3, using: &rng) * Int.random(in: 0..<40, using: &rng)).map { _ in
            UInt8.random(in: 0...255, using: &rng)
        })
        var head = "\(method) \(target) HTTP/1.1\r\nHost: k\r\n"
        if Bool.random(using: &rng) { head += "X-Filler: \(String(repeating: "x", count: Int.random(in: 0..<50, using: &rng)))\r\n" }
        if !body.isEmpty || Bool.random(using: &rng) { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return (bytes(head) + body, Sent(method: bytes(method), target: bytes(target), body: body))
    }

    @Test func randomSplits() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var stream: Bytes = []
            var expected: [Sent] = []
            for _ in 0..<Int.random(in: 1..<6, using: &rng) {
                let (wire, sent) = Self.randomRequest(&rng)
                stream += wire
                expected.append(sent)
            }
            var received: [Sent] = []
            var buffer: Bytes = []
            var position = 0
            while position < stream.count {
                let piece = Int.random(in: 1...max(1, stream.count - position), using: &rng)
                buffer += stream[position..<(position + piece)]
                position += piece
                while true {
                    guard case .request(let head, let consumed) = parseHead(buffer) else { break }
                    let length = head.contentLength ?? 0
                    guard buffer.count - consumed >= length else { break }
                    received.append(Sent(method: head.method, target: head.target, body: Array(buffer[consumed..<(consumed + length)])))
                    buffer.removeFirst(consumed + length)
                }
            }
            #expect(received == expected)
            #expect(buffer.isEmpty)
        }
    }
}
