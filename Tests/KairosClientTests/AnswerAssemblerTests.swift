import Testing

@testable import KairosClient

/// Correlating response lines with pipelined requests: single and multi-line answers, requests
/// the server dropped, local refusals kept in order, and lines that belong to nothing.
@Suite struct AnswerAssemblerTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private func feed(_ assembler: inout AnswerAssembler, _ lines: [String]) -> [AnswerEvent] {
        lines.flatMap { assembler.consume(line: Array($0.utf8)) }
    }

    @Test func singleAndMultiLineAnswers() {
        var assembler = AnswerAssembler()
        #expect(assembler.expect(.single) == 1)
        #expect(assembler.expect(.multi) == 2)
        #expect(assembler.expect(.single) == 3)
        #expect(AnswerAssembler.id(2) == bytes("c2"))
        let events = feed(&assembler, ["c1 OK planned 5", "c2 a planned 5", "c2 OK planned 6", "c2 OK", "c3 ERROR"])
        #expect(events == [
            .finished(sequence: 1, .ok(bytes("OK planned 5"))),
            .record(sequence: 2, body: bytes("a planned 5")),
            // A job named "OK" is a record, not the end: the end is exactly "OK".
            .record(sequence: 2, body: bytes("OK planned 6")),
            .finished(sequence: 2, .ok(bytes("OK"))),
            .finished(sequence: 3, .error(bytes("ERROR"))),
        ])
        #expect(assembler.outstanding == 0)
    }

    @Test func aLaterAnswerMeansEarlierRequestsWereDropped() {
        var assembler = AnswerAssembler()
        for _ in 0..<4 { _ = assembler.expect(.single) }
        #expect(feed(&assembler, ["c3 OK"]) == [
            .finished(sequence: 1, .noAnswer),
            .finished(sequence: 2, .noAnswer),
            .finished(sequence: 3, .ok(bytes("OK"))),
        ])
        #expect(assembler.outstanding == 1)
    }

    @Test func refusalsComeOutInTheirTurn() {
        var assembler = AnswerAssembler()
        // Nothing ahead: reported at once.
        let first = assembler.refuse("line 1: bad")
        #expect(first.sequence == 1 && first.events == [.finished(sequence: 1, .notSent("line 1: bad"))])
        _ = assembler.expect(.single)
        let second = assembler.refuse("line 3: bad")
        #expect(second.events.isEmpty)
        _ = assembler.expect(.single)
        #expect(feed(&assembler, ["c2 OK"]) == [
            .finished(sequence: 2, .ok(bytes("OK"))),
            .finished(sequence: 3, .notSent("line 3: bad")),
        ])
        #expect(feed(&assembler, ["c4 OK"]) == [.finished(sequence: 4, .ok(bytes("OK")))])
    }

    @Test func bareAndStrayLines() {
        var assembler = AnswerAssembler()
        _ = assembler.expect(.multi)
        #expect(feed(&assembler, ["OK", "ERROR", "c9 OK", "x1 OK", "nospace"]) == [
            .bare(ok: true), .bare(ok: false), .stray(bytes("c9 OK")), .stray(bytes("x1 OK")), .stray(bytes("nospace")),
        ])
        // Once a listing has records, an unknown line continues one (a job id with a raw LF).
        #expect(feed(&assembler, ["c1 a\"", "b planned 5", "c1 OK"]) == [
            .record(sequence: 1, body: bytes("a\"")), .record(sequence: 1, body: bytes("b planned 5")),
            .finished(sequence: 1, .ok(bytes("OK"))),
        ])
    }

    @Test func abandonKeepsRefusalMessages() {
        var assembler = AnswerAssembler()
        _ = assembler.expect(.single)
        _ = assembler.refuse("bad")
        #expect(assembler.abandonAll(.timedOut(2_000)) == [
            .finished(sequence: 1, .timedOut(2_000)), .finished(sequence: 2, .notSent("bad")),
        ])
        #expect(assembler.outstanding == 0)
    }

    @Test func memoryFollowsTheWindow() {
        var assembler = AnswerAssembler()
        for round in 0..<50 {
            for _ in 0..<1_000 { _ = assembler.expect(.single) }
            for index in 1...1_000 {
                #expect(assembler.consume(line: bytes("c\(round * 1_000 + index) OK")).count == 1)
            }
        }
        #expect(assembler.outstanding == 0)
        #expect(assembler.storedEntries < 2_048)
    }
}
