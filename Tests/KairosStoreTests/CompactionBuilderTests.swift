import KairosCore
import KairosProtocol
import Testing
@testable import KairosStore

@Suite struct CompactionBuilderTests {
    private func build(_ inputs: [[UInt8]], keepRemovals: Bool = false) -> CompactionBuilder.Output {
        CompactionBuilder.build(inputs, keepRemovals: keepRemovals)
    }

    @Test func keepsEachKeysLastEntryInOriginalOrder() throws {
        let a1 = LogEntry.job(id: b("a"), execution: 1, status: .planned)
        let bJob = LogEntry.job(id: b("b"), execution: 1, status: .planned)
        let a2 = LogEntry.job(id: b("a"), execution: 2, status: .executed)
        let rule = LogEntry.rule(id: b("r"), pattern: b("a"), runner: .shell(command: b("true")))
        let output = build([try frames([a1, bJob, rule, a2, .jobRemoval(id: b("b"))])])
        #expect(output.bytes == (try frames([rule, a2])))
        #expect(output.framesIn == 5)
        #expect(output.framesOut == 2)
    }

    @Test func jobsAndRulesAreSeparateIdSpaces() throws {
        let job = LogEntry.job(id: b("x"), execution: 1, status: .planned)
        let rule = LogEntry.rule(id: b("x"), pattern: b("p"), runner: .http(method: b("GET"), url: b("u")))
        #expect(build([try frames([job, rule])]).bytes == (try frames([job, rule])))
        #expect(build([try frames([job, rule, .ruleRemoval(id: b("x"))])]).bytes == (try frames([job])))
    }

    @Test func tombstonesAreKeptOnlyWhenAsked() throws {
        let input = try frames([.job(id: b("a"), execution: 1, status: .planned), .jobRemoval(id: b("a"))])
        #expect(build([input]).bytes == [])
        #expect(build([input], keepRemovals: true).bytes == (try frames([.jobRemoval(id: b("a"))])))
    }

    @Test func undecodableFramesStayVerbatimAndTornTailsGo() throws {
        let bad = hex("00 00 00 02 09 09")
        let input = try frames([.jobRemoval(id: b("a"))]) + bad + frames([.job(id: b("c"), execution: 0, status: .planned)]) + [0, 0, 0]
        #expect(build([input]).bytes == bad + (try frames([.job(id: b("c"), execution: 0, status: .planned)])))
    }

    @Test func severalInputsAreOneSequence() throws {
        let first = try frames([.job(id: b("a"), execution: 1, status: .planned), .job(id: b("b"), execution: 1, status: .planned)])
        let second = try frames([.job(id: b("a"), execution: 2, status: .planned)])
        #expect(build([first, second]).bytes == (try frames([
            .job(id: b("b"), execution: 1, status: .planned), .job(id: b("a"), execution: 2, status: .planned),
        ])))
    }

    @Test func referenceFixtureCompactsToTheReferenceCompactDumpOrder() throws {
        let output = build([try Fixture.bytes("ztick.log")])
        var lines: [UInt8] = []
        try output.bytes.withUnsafeBytes { raw in
            var scanner = FrameScanner(raw)
            while let frame = scanner.next() {
                DumpFormatter.appendLine(try LogDecoder.decode(payload: frame.payload), format: .text, to: &lines)
            }
        }
        #expect(lines == (try Fixture.bytes("dump-compact.txt")))
    }
}
