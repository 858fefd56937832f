import KairosProtocol
import Testing

/// The address of an array's element storage, to tell a reused buffer from a new one.
private func storageAddress(_ array: Bytes) -> UInt? {
    array.withUnsafeBufferPointer { $0.baseAddress.map { UInt(bitPattern: $0) } }
}

/// A roomy array whose storage the parser should fill in place.
private func spareArray() -> Bytes {
    var array = Bytes(repeating: 0xEE, count: 40)
    array.reserveCapacity(64)
    return array
}

/// Tokens of one complete line.
private func tokens(_ line: String) -> TokenList {
    var tokens = TokenList()
    let result = bytes(line).withUnsafeBytes { Tokenizer.next($0, into: &tokens) }
    precondition(result == .complete(consumed: line.utf8.count), "incomplete test line")
    return tokens
}

/// The parser copies ids into arrays the server recycles (`spare`) instead of new ones.
@Suite("Parsing into recycled arrays")
struct ArrayReuseTests {
    @Test func aTokenIsCopiedIntoTheGivenStorage() {
        let list = tokens("r1 GET \"job one\"\n")
        let spare = spareArray()
        let address = storageAddress(spare)
        let token = list.token(2, reusing: consume spare)
        #expect(token == bytes("job one"))
        #expect(storageAddress(token) == address)
    }

    /// Every recognized line parses to the same request whether or not arrays are recycled.
    @Test("same request with recycled arrays", arguments: RequestParserTests.recognized)
    func sameRequest(_ testCase: LineCase) {
        var list = TokenList()
        _ = testCase.line.withUnsafeBytes { Tokenizer.next($0, into: &list) }
        #expect(RequestParser.parse(list, spare: spareArray) == testCase.expected)
    }

    /// The request id and the one operand id come from `spare`, so neither allocates.
    @Test func aSetFillsTwoSpareArrays() {
        var handed: [UInt] = []
        let parsed = RequestParser.parse(tokens("r1 SET job.1 1775008800000000000\n")) {
            let array = spareArray()
            handed.append(storageAddress(array)!)
            return array
        }
        guard case .request(let request) = parsed, case .set(let job, _) = request.command else {
            Issue.record("not a SET: \(parsed)")
            return
        }
        #expect(request.id == bytes("r1") && job == bytes("job.1"))
        #expect(Set(handed) == Set([storageAddress(request.id)!, storageAddress(job)!]))
    }

    @Test("spare arrays taken per line", arguments: [
        ("r1 SET j 1775008800000000000\n", 2), ("r1 GET j\n", 2), ("r1 REMOVE j\n", 2),
        ("r1 QUERY p\n", 2), ("r1 REMOVERULE r\n", 2), ("r1 STAT\n", 1), ("r1 LISTRULES\n", 1),
        ("r1 QUERY\n", 1), ("r1 SET j notatime\n", 1), ("r1 get j\n", 0), ("r1 SET j\n", 0),
    ])
    func spareArraysTaken(_ line: String, _ expected: Int) {
        var taken = 0
        _ = RequestParser.parse(tokens(line)) {
            taken += 1
            return Bytes()
        }
        #expect(taken == expected)
    }
}
