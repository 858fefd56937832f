/// A strict HTTP/1.x request-head parser (RFC 9112 §2-§6, D-http-api), pure like the line tokenizer.
///
/// It keeps no state between calls: each call rescans the unconsumed bytes, and the head is at
/// most `headLimit` bytes, so the outcome never depends on how the bytes were split across
/// reads. Every line must end in CRLF; a bare LF, a control byte, obs-fold or whitespace before
/// a header's colon is refused as soon as its line is complete, so a garbled head is answered at
/// once rather than when it reaches the limit.
public enum HTTPHeadParser {
    /// Longest accepted head, request line through the empty line (docs/protocol.md#http-api: 8 KiB).
    public static let headLimit = 8 * 1024
    /// Largest accepted `Content-Length` (docs/protocol.md#http-api: 1 MiB).
    public static let bodyLimit = 1 << 20

    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A

    public static func parse(_ input: UnsafeRawBufferPointer) -> HTTPHeadResult {
        let window = UnsafeRawBufferPointer(rebasing: input.prefix(headLimit))
        var position = 0
        // RFC 9112 §2.2: empty lines before the request line are ignored.
        while position + 1 < window.count, window[position] == cr, window[position + 1] == lf { position += 2 }
        var fields = Fields()
        var requestLine: RequestLine?
        while true {
            guard let lineFeed = window[position...].firstIndex(of: lf) else {
                return input.count >= headLimit ? .invalid(.badRequest) : .needMore
            }
            guard lineFeed > position, window[lineFeed - 1] == cr else { return .invalid(.badRequest) }
            let line = UnsafeRawBufferPointer(rebasing: window[position..<(lineFeed - 1)])
            position = lineFeed + 1
            guard let parsed = requestLine else {
                switch parseRequestLine(line) {
                case .success(let value): requestLine = value
                case .failure(let error): return .invalid(error)
                }
                continue
            }
            if line.isEmpty {
                return finish(parsed, fields, consumed: position)
            }
            if let error = fields.add(line, isHTTP11: parsed.isHTTP11) { return .invalid(error) }
        }
    }

    // MARK: Request line

    private struct RequestLine {
        var method: Bytes
        var target: Bytes
        var isHTTP11: Bool
    }

    private static func parseRequestLine(_ line: UnsafeRawBufferPointer) -> Result<RequestLine, HTTPHeadError> {
        guard let firstSpace = line.firstIndex(of: 0x20) else { return .failure(.badRequest) }
        let rest = line[(firstSpace + 1)...]
        guard let secondSpace = rest.firstIndex(of: 0x20) else { return .failure(.badRequest) }
        let method = line[..<firstSpace]
        let target = line[(firstSpace + 1)..<secondSpace]
        let version = line[(secondSpace + 1)...]
        guard !method.isEmpty, method.allSatisfy(isTokenByte) else { return .failure(.badRequest) }
        // Origin form only: `*` and absolute URIs are not resources of this API.
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(.badRequest)
        }
        let text = Array(version)
        if text == Array("HTTP/1.1".utf8) {
            return .success(RequestLine(method: Array(method), target: Array(target), isHTTP11: true))
        }
        if text == Array("HTTP/1.0".utf8) {
            return .success(RequestLine(method: Array(method), target: Array(target), isHTTP11: false))
        }
        // `HTTP/d.d` is a version we do not speak; anything else is not HTTP at all.
        if text.count == 8, text.starts(with: Array("HTTP/".utf8)), isDigit(text[5]), text[6] == 0x2E, isDigit(text[7]) {
            return .failure(.unsupportedVersion)
        }
        return .failure(.badRequest)
    }

    // MARK: Header fields

    /// The header fields the API acts on, gathered over the head; the rest are checked for
    /// syntax only.
    private struct Fields {
        var contentLength: Int?
        var transferEncoding = false
        var close = false
        var expectsContinue = false
        var badExpectation = false
        var authorization: Bytes?
        var hasHost = false

        mutating func add(_ line: UnsafeRawBufferPointer, isHTTP11: Bool) -> HTTPHeadError? {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return .badRequest }
            let name = line[..<colon]
            // Also refuses obs-fold (a line starting with SP/HT) and SP before the colon.
            guard name.allSatisfy(HTTPHeadParser.isTokenByte) else { return .badRequest }
            var start = colon + 1
            var end = line.count
            while start < end, line[start] == 0x20 || line[start] == 0x09 { start += 1 }
            while end > start, line[end - 1] == 0x20 || line[end - 1] == 0x09 { end -= 1 }
            let value = line[start..<end]
            guard value.allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7F }) else { return .badRequest }
            if HTTPHeadParser.equalsIgnoringCase(name, "content-length") {
                guard !value.isEmpty, value.allSatisfy(HTTPHeadParser.isDigit) else { return .badContentLength }
                // Saturates: anything past 8 digits is over the body limit anyway.
                let length = value.count > 8 ? Int.max : value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                if let previous = contentLength, previous != length { return .badContentLength }
                contentLength = length
            } else if HTTPHeadParser.equalsIgnoringCase(name, "transfer-encoding") {
                transferEncoding = true
            } else if HTTPHeadParser.equalsIgnoringCase(name, "connection") {
                for option in value.split(separator: UInt8(ascii: ",")) {
                    if HTTPHeadParser.equalsIgnoringCase(HTTPHeadParser.trimmed(option), "close") { close = true }
                }
            } else if HTTPHeadParser.equalsIgnoringCase(name, "expect") {
                // RFC 9110 §10.1.1: an HTTP/1.0 server ignores Expect.
                guard isHTTP11 else { return nil }
                if HTTPHeadParser.equalsIgnoringCase(value, "100-continue") {
                    expectsContinue = true
                } else {
                    badExpectation = true
                }
            } else if HTTPHeadParser.equalsIgnoringCase(name, "authorization") {
                guard authorization == nil else { return .badRequest }
                authorization = Array(value)
            } else if HTTPHeadParser.equalsIgnoringCase(name, "host") {
                guard !hasHost else { return .badRequest }
                hasHost = true
            }
            return nil
        }
    }

    private static func finish(_ line: RequestLine, _ fields: Fields, consumed: Int) -> HTTPHeadResult {
        if fields.transferEncoding { return .invalid(.transferEncoding) }
        if line.isHTTP11, !fields.hasHost { return .invalid(.badRequest) }
        if fields.badExpectation { return .invalid(.unsupportedExpectation) }
        if let length = fields.contentLength, length > bodyLimit { return .invalid(.bodyTooLarge) }
        let head = HTTPHead(
            method: line.method, target: line.target, isHTTP11: line.isHTTP11,
            contentLength: fields.contentLength, keepAlive: line.isHTTP11 && !fields.close,
            expectsContinue: fields.expectsContinue, authorization: fields.authorization)
        return .request(head, consumed: consumed)
    }

    // MARK: Bytes

    /// RFC 9110 §5.6.2 `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func trimmed<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> C.SubSequence {
        var slice = bytes[...]
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }

    /// ASCII case-insensitive comparison with a lowercase literal.
    package static func equalsIgnoringCase<C: Collection<UInt8>>(_ bytes: C, _ literal: String) -> Bool {
        bytes.count == literal.utf8.count
            && zip(bytes, literal.utf8).allSatisfy { a, b in
                (a >= 0x41 && a <= 0x5A ? a | 0x20 : a) == b
            }
    }
}
