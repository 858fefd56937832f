import KairosProtocol

/// Feeds arbitrary bytes to the HTTP/1.1 request-head parser as the reactor does: heads one
/// after another, each body skipped by its Content-Length, until the parser needs more or
/// refuses.
///
/// Properties checked besides "no crash, no hang":
/// - a head consumes at least its request line and at most `headLimit` bytes, ending at CRLF CRLF;
/// - `needMore` only while fewer than `headLimit` bytes are there;
/// - a body length, when present, is within `bodyLimit`;
/// - the verdict does not depend on how the bytes were split: a strict prefix of a complete head
///   is never complete, and parsing the head alone gives the same head.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPHead(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    var offset = 0
    var heads = 0
    while offset < input.count, heads < 16 {
        let rest = UnsafeRawBufferPointer(rebasing: input[offset...])
        switch HTTPHeadParser.parse(rest) {
        case .needMore:
            check(rest.count < HTTPHeadParser.headLimit, "needMore with a full head window")
            return 0
        case .invalid:
            return 0
        case .request(let head, let consumed):
            heads += 1
            check(consumed >= 4 && consumed <= min(rest.count, HTTPHeadParser.headLimit), "consumed \(consumed)")
            check(Array(rest[(consumed - 4)..<consumed]) == [13, 10, 13, 10], "a head ends with CRLF CRLF")
            if let length = head.contentLength {
                check(length >= 0 && length <= HTTPHeadParser.bodyLimit, "body length \(length)")
            }
            let exact = UnsafeRawBufferPointer(rebasing: rest[..<consumed])
            check(HTTPHeadParser.parse(exact) == .request(head, consumed: consumed), "the head alone parses differently")
            let prefix = UnsafeRawBufferPointer(rebasing: rest[..<(consumed - 1)])
            check(HTTPHeadParser.parse(prefix) == .needMore, "a strict prefix of a head is complete or refused")
            offset += consumed + (head.contentLength ?? 0)
        }
    }
    return 0
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("FuzzHTTPHead property failed: \(message())") }
}
