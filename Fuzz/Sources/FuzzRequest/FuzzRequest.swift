import KairosProtocol

/// Feeds arbitrary bytes through the tokenizer the way the reactor does (request after request
/// until it needs more or overflows) and parses every complete line.
///
/// Properties checked besides "no crash, no hang":
/// - every outcome consumes at least one and at most `requestLimit` bytes of what was there;
/// - a complete request has an id and at least one argument, and no strict prefix of it is
///   already complete (the outcome never depends on how bytes were split across reads);
/// - re-quoting the tokens gives a line that tokenizes to the same tokens and parses the same;
/// - a parsed request re-encoded in canonical form parses back to the same request.
///
/// The re-tokenizing checks run on the first `checkedRequests` requests of an input only: each
/// costs several more scans, and an input of 4 KiB can hold hundreds of requests.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    var tokens = TokenList()
    var offset = 0
    var checked = 0
    while offset < input.count {
        let rest = UnsafeRawBufferPointer(rebasing: input[offset...])
        switch Tokenizer.next(rest, into: &tokens) {
        case .needMore:
            check(rest.count < Tokenizer.requestLimit, "needMore with a full window")
            return 0
        case .overflow:
            check(rest.count >= Tokenizer.requestLimit, "overflow before the limit")
            return 0
        case .invalid(let consumed):
            check(consumed >= 1 && consumed <= min(rest.count, Tokenizer.requestLimit), "invalid consumed \(consumed)")
            check(rest[consumed - 1] == 0x0A, "invalid must end at an LF")
            offset += consumed
        case .complete(let consumed):
            check(consumed >= 1 && consumed <= min(rest.count, Tokenizer.requestLimit), "complete consumed \(consumed)")
            check(rest[consumed - 1] == 0x0A, "a request must end at an LF")
            check(tokens.count >= 2, "a complete request has an id and an argument")
            let parsed = RequestParser.parse(tokens)
            if checked < checkedRequests {
                checked += 1
                checkPrefixIsIncomplete(UnsafeRawBufferPointer(rebasing: rest[..<consumed]))
                checkRequoted((0..<tokens.count).map { tokens.token($0) }, parsed: parsed)
                if case .request(let request) = parsed { checkCanonical(request) }
            }
            offset += consumed
        }
    }
    return 0
}

private let checkedRequests = 8

/// The line without its last byte (its LF) cannot be a complete request yet.
private func checkPrefixIsIncomplete(_ line: UnsafeRawBufferPointer) {
    var tokens = TokenList()
    let prefix = UnsafeRawBufferPointer(rebasing: line[..<(line.count - 1)])
    let result = Tokenizer.next(prefix, into: &tokens)
    check(result == .needMore, "a strict prefix of a request gave \(result)")
}

private func checkRequoted(_ words: [Bytes], parsed: ParsedLine) {
    var line: Bytes = []
    for word in words {
        quote(word, into: &line)
        line.append(0x20)
    }
    line.append(0x0A)
    var tokens = TokenList()
    let result = line.withUnsafeBytes { Tokenizer.next($0, into: &tokens) }
    // Quoting adds at most 2 bytes per byte plus 3 per token, which may pass the limit.
    guard line.count <= Tokenizer.requestLimit else { return }
    check(result == .complete(consumed: line.count), "re-quoted line gave \(result)")
    check((0..<tokens.count).map { tokens.token($0) } == words, "re-quoted tokens differ")
    check(RequestParser.parse(tokens) == parsed, "re-quoted line parses differently")
}

/// Writes a request as a client would, with quoted ids and an integer timestamp.
private func checkCanonical(_ request: Request) {
    var words: [Bytes] = [request.id]
    switch request.command {
    case .set(let job, let execution):
        words += [Bytes("SET".utf8), job, Bytes(String(execution).utf8)]
    case .get(let job):
        words += [Bytes("GET".utf8), job]
    case .query(let prefix):
        words += [Bytes("QUERY".utf8), prefix]
    case .remove(let job):
        words += [Bytes("REMOVE".utf8), job]
    case .removeRule(let rule):
        words += [Bytes("REMOVERULE".utf8), rule]
    case .listRules:
        words += [Bytes("LISTRULES".utf8)]
    case .stat:
        words += [Bytes("STAT".utf8)]
    case .info(let job):
        words += [Bytes("INFO".utf8), job]
    case .ruleSet, .setRecurring, .malformed:
        return  // covered by the token-level round trip
    case .getRule, .queryRules:
        check(false, "HTTP-only commands cannot come from a line")
        return
    }
    var line: Bytes = []
    for word in words {
        quote(word, into: &line)
        line.append(0x20)
    }
    line.append(0x0A)
    guard line.count <= Tokenizer.requestLimit else { return }
    var tokens = TokenList()
    let result = line.withUnsafeBytes { Tokenizer.next($0, into: &tokens) }
    check(result == .complete(consumed: line.count), "canonical line gave \(result)")
    check(RequestParser.parse(tokens) == .request(request), "canonical line parses to another request")
}

private func quote(_ word: Bytes, into line: inout Bytes) {
    line.append(0x22)
    for byte in word {
        if byte == 0x22 || byte == 0x5C { line.append(0x5C) }
        line.append(byte)
    }
    line.append(0x22)
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("FuzzRequest property failed: \(message())") }
}
