import KairosCore
import KairosProtocol
import Testing
@testable import KairosStore

@Suite struct CodecGoldenTests {
    static let specJob = hex("00 00 00 18  00  00 0c 62 61 63 6b 75 70 2e 64 61 69 6c 79  18 a2 19 19 65 31 40 00  00")
    static let specRule = hex("""
        00 00 00 24  01  00 02 72 31  00 07 62 61 63 6b 75 70 2e  02
        00 09 2f 62 69 6e 2f 65 63 68 6f  00 02  00 02 2d 6e  00 02 68 69
        """)
    static let specRemoval = hex("00 00 00 0f  02  00 0c 62 61 63 6b 75 70 2e 64 61 69 6c 79")

    /// The 16 entries the reference wrote for cmds.txt, in order (see Fixtures/dump.txt).
    static let fixtureEntries: [LogEntry] = [
        .rule(id: b("rule.backup"), pattern: b("backup."), runner: .shell(command: b("/usr/bin/backup.sh --full"))),
        .rule(id: b("rule.curl"), pattern: b("curl."),
              runner: .direct(executable: b("/usr/bin/curl"), args: [b("-s"), b("http://example.com")])),
        .rule(id: b("rule.report"), pattern: b("report."),
              runner: .awf(workflow: b("generate-report"), inputs: [b("format=pdf"), b("target=main")])),
        .rule(id: b("rule.hook"), pattern: b("deploy."),
              runner: .http(method: b("POST"), url: b("https://hooks.example.com/webhook"))),
        .rule(id: b("rule.notify"), pattern: b("notify."),
              runner: .amqp(dsn: b("amqp://guest:guest@localhost:5672/"), exchange: b("jobs"), routingKey: b("notifications"))),
        .rule(id: b("rule.publish"), pattern: b("events."),
              runner: .redis(url: b("redis://127.0.0.1:6379/0"), command: b("PUBLISH"), key: b("deploy:events"))),
        .job(id: b("backup.daily"), execution: 4_078_692_000_000_000_000, status: .planned),
        .job(id: b("backup.weekly"), execution: 4_102_444_800_000_000_000, status: .planned),
        .job(id: b("deploy.v1"), execution: 4_102_444_799_000_000_000, status: .planned),
        .job(id: b("curl.ping"), execution: 4_102_444_800_000_000_001, status: .planned),
        .job(id: b("report.q1"), execution: 4_102_444_800_000_000_002, status: .planned),
        .job(id: b("backup.daily"), execution: 4_078_778_400_000_000_000, status: .planned),
        .jobRemoval(id: b("backup.weekly")),
        .rule(id: b("tmp.rule"), pattern: b("tmp."), runner: .shell(command: b("true"))),
        .ruleRemoval(id: b("tmp.rule")),
        .job(id: b("id with space"), execution: 4_102_444_800_000_000_003, status: .planned),
    ]

    @Test func specExamplesEncodeExactly() throws {
        #expect(try LogCodec.encodeFrame(.job(id: b("backup.daily"), execution: 1_775_008_800_000_000_000, status: .planned)) == Self.specJob)
        #expect(try LogCodec.encodeFrame(.rule(id: b("r1"), pattern: b("backup."),
                                               runner: .direct(executable: b("/bin/echo"), args: [b("-n"), b("hi")]))) == Self.specRule)
        #expect(try LogCodec.encodeFrame(.jobRemoval(id: b("backup.daily"))) == Self.specRemoval)
    }

    @Test func specExamplesDecode() throws {
        #expect(try LogDecoder.decode(payload: Array(Self.specJob.dropFirst(4)))
            == .job(id: b("backup.daily"), execution: 1_775_008_800_000_000_000, status: .planned))
        #expect(try LogDecoder.decode(payload: Array(Self.specRemoval.dropFirst(4))) == .jobRemoval(id: b("backup.daily")))
    }

    @Test func ruleRemovalAndEveryStatusByte() throws {
        #expect(try LogCodec.encodeFrame(.ruleRemoval(id: b("r1"))) == hex("00 00 00 05 03 00 02 72 31"))
        for status in JobStatus.allCases {
            let frame = try LogCodec.encodeFrame(.job(id: b("j"), execution: -1, status: status))
            #expect(frame == hex("00 00 00 0d 00 00 01 6a ff ff ff ff ff ff ff ff") + [status.rawValue])
        }
    }

    @Test func everyRunnerDiscriminant() throws {
        let cases: [(RunnerSpec, [UInt8])] = [
            (.shell(command: b("x")), hex("00 00 01 78")),
            (.amqp(dsn: b("d"), exchange: b("e"), routingKey: b("r")), hex("01 00 01 64 00 01 65 00 01 72")),
            (.direct(executable: b("e"), args: []), hex("02 00 01 65 00 00")),
            (.awf(workflow: b("w"), inputs: [b("k=v")]), hex("03 00 01 77 00 01 00 03 6b 3d 76")),
            (.http(method: b("GET"), url: b("u")), hex("04 00 03 47 45 54 00 01 75")),
            (.redis(url: b("u"), command: b("SET"), key: b("k")), hex("05 00 01 75 00 03 53 45 54 00 01 6b")),
        ]
        for (runner, tail) in cases {
            var payload: [UInt8] = []
            try LogCodec.appendPayload(.rule(id: b("r"), pattern: [], runner: runner), to: &payload)
            #expect(payload == hex("01 00 01 72 00 00") + tail)
            #expect(try LogDecoder.decode(payload: payload) == .rule(id: b("r"), pattern: [], runner: runner))
        }
    }

    @Test func referenceLogfileDecodesAndReencodesIdentically() throws {
        let file = try Fixture.bytes("ztick.log")
        var decoded: [LogEntry] = []
        var tail = -1
        try file.withUnsafeBytes { raw in
            var scanner = FrameScanner(raw)
            while let frame = scanner.next() { decoded.append(try LogDecoder.decode(payload: frame.payload)) }
            tail = scanner.tailLength
        }
        #expect(tail == 0)
        #expect(decoded.count == 16)
        #expect(decoded == Self.fixtureEntries)
        #expect(try frames(decoded) == file)
    }

    @Test func strictDecodingRejectsMalformedPayloads() {
        let cases: [([UInt8], LogDecodeError)] = [
            ([], .truncated(offset: 0)),
            ([0x05, 0x00, 0x00], .unknownEntryType(5)),
            (hex("00 00 01 6a 00 00 00 00 00 00 00 00 04"), .unknownStatus(4)),
            (hex("01 00 01 72 00 00 06"), .unknownRunner(6)),
            (hex("02 00 01 6a 00"), .trailingBytes(count: 1)),
            (hex("02 00 05 6a"), .truncated(offset: 3)),
            (hex("02 00"), .truncated(offset: 1)),
            (hex("00 00 01 6a 00 00 00 00 00 00 00"), .truncated(offset: 4)),
            (hex("00 00 01 6a 00 00 00 00 00 00 00 00"), .truncated(offset: 12)),
            (hex("01 00 01 72 00 00 02 00 01 65 ff ff 00 00"), .truncated(offset: 12)),
            (hex("01 00 01 72 00 00 00 00 01 78 00"), .trailingBytes(count: 1)),
        ]
        for (payload, expected) in cases {
            #expect(throws: expected) { try LogDecoder.decode(payload: payload) }
        }
    }

    @Test func nonUTF8StringsDecode() throws {
        let id: [UInt8] = [0xff, 0xfe, 0xc3, 0x28, 0x00, 0x0a]
        let frame = try LogCodec.encodeFrame(.jobRemoval(id: id))
        #expect(try LogDecoder.decode(payload: Array(frame.dropFirst(4))) == .jobRemoval(id: id))
    }
}
