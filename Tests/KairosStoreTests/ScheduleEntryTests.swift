import KairosCore
import KairosProtocol
import Testing
@testable import KairosStore

/// Schedule entries (type 4, issue 15): bytes, replay, compaction, dump, and what the
/// reference server makes of a Kairos logfile that holds them.
@Suite struct ScheduleEntryTests {
    static let s: Int64 = 1_000_000_000
    static let recurrence = Recurrence(interval: 90 * s, anchor: 1_775_008_800_000_000_000, retries: 2, backoff: 5 * s)
    static let counters = RunCounters(runs: 3, failures: 1, lastOutcome: .failed, lastAt: 1_775_009_070_000_000_000, attempt: 1)
    static let schedule = LogEntry.schedule(id: b("j"), recurrence: recurrence, counters: counters)

    @Test func goldenBytesAndRoundTrip() throws {
        // length 58 | type 4 | id "j" | kind 0 | interval 90 s | anchor | retries 2 | backoff 5 s |
        // runs 3 | failures 1 | last failed | last_at | attempt 1
        let expected = hex("""
            00 00 00 3a  04  00 01 6a  00
            00 00 00 14 f4 6b 04 00  18 a2 19 19 65 31 40 00  00 02  00 00 00 01 2a 05 f2 00
            00 00 00 00 00 00 00 03  00 00 00 00 00 00 00 01  03  18 a2 19 58 42 72 4c 00  00 01
            """)
        #expect(try LogCodec.encodeFrame(Self.schedule) == expected)
        #expect(try LogDecoder.decode(payload: Array(expected[4...])) == Self.schedule)
        let fresh = LogEntry.schedule(id: b("k"), recurrence: Recurrence(interval: Self.s, anchor: -5), counters: RunCounters())
        #expect(try LogDecoder.decode(payload: Array(try LogCodec.encodeFrame(fresh)[4...])) == fresh)
        let cron = LogEntry.schedule(
            id: b("c"), recurrence: Recurrence(cron: try #require(CronRule(expression: "0 2 * * *", zone: "Europe/Paris")), retries: 1),
            counters: RunCounters())
        let cronFrame = try LogCodec.encodeFrame(cron)
        #expect(Array(cronFrame[4..<9]) == [0x04, 0x00, 0x01, 0x63, 0x01])
        #expect(try LogDecoder.decode(payload: Array(cronFrame[4...])) == cron)
        // A zone unknown to this machine makes the entry undecodable (the job replays one-shot).
        let unknownZone = Array(cronFrame[4...]).replacing(Array("Europe/Paris".utf8), with: Array("Europe/Pxris".utf8))
        #expect(throws: LogDecodeError.invalidSchedule(offset: 4)) { try LogDecoder.decode(payload: unknownZone) }
        var text: [UInt8] = []
        DumpFormatter.appendText(cron, to: &text)
        #expect(String(decoding: text, as: UTF8.self)
            == #"SCHEDULE c cron="0 2 * * *"@Europe/Paris anchor=0 retry=1/10s last=none@0 runs=0 failures=0 attempt=0"#)
    }

    @Test func impossibleSchedulesAreUndecodable() throws {
        let good = Array(try LogCodec.encodeFrame(Self.schedule)[4...])
        var badKind = good
        badKind[4] = 1
        var badInterval = good
        badInterval[5...12] = [0, 0, 0, 0, 0, 0, 0, 1][...]
        var badLast = good
        badLast[4 + 1 + 8 + 8 + 2 + 8 + 8 + 8] = 1
        for payload in [badKind, badInterval, badLast] {
            #expect(throws: LogDecodeError.invalidSchedule(offset: 4)) { try LogDecoder.decode(payload: payload) }
        }
        #expect(throws: LogDecodeError.trailingBytes(count: 1)) { try LogDecoder.decode(payload: good + [0]) }
        #expect(throws: LogDecodeError.self) { try LogDecoder.decode(payload: Array(good.dropLast())) }
    }

    /// The entries a recurring job's life leaves in the log: SET EVERY, two re-plans, then a
    /// plain SET of another recurring job back to one-shot, and a removal.
    static func history() -> [LogEntry] {
        let r = Recurrence(interval: 60 * s, anchor: 100 * s)
        return [
            .job(id: b("rec"), execution: 100 * s, status: .planned),
            .schedule(id: b("rec"), recurrence: r, counters: RunCounters()),
            .job(id: b("back"), execution: 5 * s, status: .planned),
            .schedule(id: b("back"), recurrence: r, counters: RunCounters()),
            .job(id: b("rec"), execution: 160 * s, status: .planned),
            .schedule(id: b("rec"), recurrence: r, counters: RunCounters(runs: 1, lastOutcome: .executed, lastAt: 100 * s)),
            .job(id: b("back"), execution: 7 * s, status: .planned),
            .job(id: b("gone"), execution: 1, status: .planned),
            .schedule(id: b("gone"), recurrence: r, counters: RunCounters()),
            .jobRemoval(id: b("gone")),
            .job(id: b("rec"), execution: 220 * s, status: .planned),
            .schedule(id: b("rec"), recurrence: r, counters: RunCounters(runs: 2, lastOutcome: .executed, lastAt: 160 * s)),
        ]
    }

    @Test func compactionKeepsTheLastJobAndScheduleEntryAndDropsEndedSchedules() throws {
        let history = Self.history()
        let output = CompactionBuilder.build([try frames(history)], keepRemovals: false)
        // `back` became one-shot and `gone` was removed: their schedules go; `rec` keeps both.
        #expect(output.bytes == (try frames([history[6], history[10], history[11]])))
        #expect(TableState(try decodeAll(output.bytes)) == TableState(history))
        #expect(TableState(history).schedules.keys.sorted { $0.lexicographicallyPrecedes($1) } == [b("rec")])
    }

    @Test func dumpPrintsSchedulesInTextAndJSON() throws {
        let directory = TempDirectory()
        try directory.write("log", try frames([.job(id: b("j"), execution: 1_775_008_800_000_000_000, status: .planned), Self.schedule]))
        let text = runDump(directory.file("log"))
        #expect(text.status == 0)
        #expect(String(decoding: text.out, as: UTF8.self) == """
            SET j 1775008800000000000 planned
            SCHEDULE j every=1m30s anchor=1775008800000000000 retry=2/5s last=failed@1775009070000000000 runs=3 failures=1 attempt=1

            """)
        let json = runDump(directory.file("log"), format: .json)
        #expect(String(decoding: json.out, as: UTF8.self) == """
            {"type":"set","identifier":"j","execution":1775008800000000000,"status":"planned"}
            {"type":"schedule","identifier":"j","every_ns":90000000000,"anchor":1775008800000000000,"retries":2,\
            "backoff_ns":5000000000,"last_outcome":"failed","last_at":1775009070000000000,"runs":3,"failures":1,"attempt":1}

            """)
    }

    /// A logfile with schedules, decoded the way docs/logfile-format.md#entries/docs/logfile-format.md#replay-at-startup says the reference does: frames
    /// split by their u32 length, payloads decoded strictly by the four known types, any frame
    /// that does not decode skipped, the rest applied in order. The reference must end with every
    /// job present, planned, one-shot, at its latest planned time — and must not stop early.
    @Test func theReferenceReplaysAKairosLogAsOneShotJobs() throws {
        let file = try frames(Self.history() + [.job(id: b("after"), execution: 9, status: .planned)])
        let reference = ReferenceReplay(file)
        #expect(reference.skipped == 5)
        #expect(reference.jobs == [
            b("rec"): 220 * Self.s, b("back"): 7 * Self.s, b("after"): 9,
        ])
        #expect(reference.statuses.allSatisfy { $0 == 0 })
    }

    private func decodeAll(_ bytes: [UInt8]) throws -> [LogEntry] {
        var entries: [LogEntry] = []
        var offset = 0
        while offset + 4 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            entries.append(try LogDecoder.decode(payload: Array(bytes[(offset + 4)..<(offset + 4 + length)])))
            offset += 4 + length
        }
        return entries
    }
}

/// An independent decoder written from docs/logfile-format.md#frames/docs/logfile-format.md#entries/docs/logfile-format.md#replay-at-startup only (it shares no code with
/// `LogDecoder`): what ztick's startup replay keeps from a logfile.
struct ReferenceReplay {
    var jobs: [Bytes: Int64] = [:]
    var statuses: [UInt8] = []
    var skipped = 0

    init(_ file: [UInt8]) {
        var offset = 0
        var statusByID: [Bytes: UInt8] = [:]
        while file.count - offset >= 4 {
            let length = file[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard file.count - offset - 4 >= length else { break }
            let payload = Array(file[(offset + 4)..<(offset + 4 + length)])
            offset += 4 + length
            guard let applied = Self.apply(payload, &jobs, &statusByID) else {
                skipped += 1
                continue
            }
            _ = applied
        }
        statuses = Array(statusByID.values)
    }

    /// nil = the frame is undecodable (the reference logs a warning and skips it).
    private static func apply(_ p: [UInt8], _ jobs: inout [Bytes: Int64], _ statuses: inout [Bytes: UInt8]) -> Bool? {
        var at = 0
        func string() -> Bytes? {
            guard p.count - at >= 2 else { return nil }
            let n = Int(p[at]) << 8 | Int(p[at + 1])
            guard p.count - at - 2 >= n else { return nil }
            defer { at += 2 + n }
            return Array(p[(at + 2)..<(at + 2 + n)])
        }
        guard let type = p.first else { return nil }
        at = 1
        switch type {
        case 0:
            guard let id = string(), p.count - at == 9, p[at + 8] <= 3 else { return nil }
            jobs[id] = p[at..<(at + 8)].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            statuses[id] = p[at + 8]
        case 2:
            guard let id = string(), at == p.count else { return nil }
            jobs[id] = nil
            statuses[id] = nil
        case 1, 3:
            return true  // rules are not part of this check; the file holds none
        default:
            return nil
        }
        return true
    }
}
