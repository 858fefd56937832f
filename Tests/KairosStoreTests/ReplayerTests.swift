import Glibc
import KairosCore
import KairosProtocol
import KairosSystem
import Testing
@testable import KairosStore

@Suite struct ReplayerTests {
    private func replay(_ path: String, log: LogCapture = LogCapture()) throws -> (ReplayReport, [LogEntry]) {
        var entries: [LogEntry] = []
        let report = try Replayer.replay(logfile: path, logger: log.logger) { entries.append($0) }
        return (report, entries)
    }

    @Test func referenceLogfileGivesTheReferenceTables() throws {
        let directory = TempDirectory()
        try directory.write("logfile", Fixture.bytes("ztick.log"))
        let (report, entries) = try replay(directory.file("logfile"))
        #expect(entries == CodecGoldenTests.fixtureEntries)
        #expect(report.files.count == 1)
        #expect(report.files[0].frames == 16)
        #expect(report.applied == 16)
        #expect(report.files[0].skipped.isEmpty)
        #expect(report.files[0].tailBytes == 0)
        #expect(!report.files[0].truncated)

        // replies.txt r17/r18: the jobs QUERY listed and the rules LISTRULES listed.
        let state = TableState(entries)
        #expect(Set(state.jobs.keys) == Set(["backup.daily", "deploy.v1", "report.q1", "id with space", "curl.ping"].map(b)))
        #expect(state.jobs[b("backup.daily")] == .job(id: b("backup.daily"), execution: 4_078_778_400_000_000_000, status: .planned))
        #expect(Set(state.rules.keys) == Set(["rule.curl", "rule.hook", "rule.backup", "rule.publish", "rule.report", "rule.notify"].map(b)))
    }

    @Test func aMissingLogfileIsAnEmptyStartAndIsNotCreated() throws {
        let directory = TempDirectory()
        let (report, entries) = try replay(directory.file("logfile"))
        #expect(entries.isEmpty)
        #expect(report.files.isEmpty)
        #expect(!directory.exists("logfile"))
    }

    @Test func aTornTailOfEveryLengthIsTruncatedWithAWarning() throws {
        let base = try Fixture.bytes("ztick.log")
        let frame = CodecGoldenTests.specRule
        for cut in 1..<frame.count {
            let directory = TempDirectory()
            try directory.write("logfile", base + frame[0..<cut])
            let log = LogCapture()
            let (report, entries) = try replay(directory.file("logfile"), log: log)
            #expect(entries.count == 16)
            #expect(report.files[0].tailBytes == cut)
            #expect(report.files[0].truncated)
            #expect(try directory.read("logfile") == base)
            #expect(log.contains("truncated incomplete trailing frame (\(cut) bytes)"))
            let side = try #require(report.files[0].sideFile)
            #expect(try TempDirectory(existing: directory.path).read(String(side.dropFirst(directory.path.count + 1))) == Array(frame[0..<cut]))
        }
    }

    @Test func undecodableFramesAreSkippedAndReported() throws {
        var entries = CodecGoldenTests.fixtureEntries
        var bytes: [UInt8] = []
        var badFrames: [Int: [UInt8]] = [:]
        badFrames[3] = hex("00 00 00 03 09 00 00")            // unknown type
        badFrames[7] = hex("00 00 00 0d 00 00 01 6a 00 00 00 00 00 00 00 00 07")  // bad status
        badFrames[9] = hex("00 00 00 00")                     // empty payload
        var expected: [LogEntry] = []
        for index in 0..<(entries.count + 3) {
            if let bad = badFrames[index] {
                bytes += bad
            } else {
                let entry = entries.removeFirst()
                bytes += try LogCodec.encodeFrame(entry)
                expected.append(entry)
            }
        }
        let directory = TempDirectory()
        try directory.write("logfile", bytes)
        let log = LogCapture()
        let (report, decoded) = try replay(directory.file("logfile"), log: log)
        #expect(decoded == expected)
        #expect(report.files[0].frames == 19)
        #expect(report.files[0].skipped.map(\.index) == [3, 7, 9])
        #expect(report.files[0].skipped.map(\.error) == [.unknownEntryType(9), .unknownStatus(7), .truncated(offset: 0)])
        #expect(log.contains("failed to decode entry: frame 7"))
        // Complete frames are never removed, even undecodable ones.
        #expect(try directory.read("logfile") == bytes)
    }

    @Test func referenceFilesAreReplayedFirstInOrderAndLeftAlone() throws {
        let directory = TempDirectory()
        let compressed = try frames([
            .job(id: b("a"), execution: 1, status: .planned),
            .job(id: b("b"), execution: 1, status: .planned),
        ])
        let toCompress = try frames([
            .job(id: b("a"), execution: 2, status: .planned),
            .jobRemoval(id: b("b")),
        ]) + [0x00, 0x00]
        let logfile = try frames([.job(id: b("c"), execution: 3, status: .executed)])
        try directory.write("logfile.compressed", compressed)
        try directory.write("logfile.to_compress", toCompress)
        try directory.write("kairos.log", logfile)

        let (report, entries) = try replay(directory.file("kairos.log"))
        #expect(report.files.map(\.path) == ["logfile.compressed", "logfile.to_compress", "kairos.log"].map(directory.file))
        #expect(report.files[1].tailBytes == 2)
        #expect(!report.files[1].truncated)
        #expect(TableState(entries).jobs == [
            b("a"): .job(id: b("a"), execution: 2, status: .planned),
            b("c"): .job(id: b("c"), execution: 3, status: .executed),
        ])
        #expect(try directory.read("logfile.to_compress") == toCompress)
        #expect(try directory.read("logfile.compressed") == compressed)
    }

    @Test func anUnreadableLogfileIsAnErrorNamingThePath() throws {
        let directory = TempDirectory()
        let path = directory.file("logfile")
        #expect(mkdir(path, 0o755) == 0)
        #expect(throws: StoreError.read(path: path, Errno(EISDIR))) { try replay(path) }
    }

    @Test func aTailTooLargeToBeATornAppendIsRefused() throws {
        let directory = TempDirectory()
        let good = try frames([.jobRemoval(id: b("x"))])
        let junk = hex("00 00 00 10 03") + [UInt8](repeating: 0, count: Replayer.maxTornTail) + [0]
        try directory.write("logfile", good + junk)
        let path = directory.file("logfile")
        #expect(throws: StoreError.damaged(path: path, offset: Int64(good.count), bytes: Int64(junk.count),
                                           reason: .tailTooLarge(limit: Replayer.maxTornTail))) {
            try replay(path)
        }
        #expect(try directory.read("logfile") == good + junk)
    }

    @Test func anUnfinishedCompactionTempIsRemoved() throws {
        let directory = TempDirectory()
        try directory.write("logfile", frames([.jobRemoval(id: b("x"))]))
        try directory.write("logfile.compacting", [1, 2, 3])
        let log = LogCapture()
        let (_, entries) = try replay(directory.file("logfile"), log: log)
        #expect(entries == [.jobRemoval(id: b("x"))])
        #expect(!directory.exists("logfile.compacting"))
        #expect(log.contains("removed unfinished compaction file"))
    }

    @Test func nonUTF8IdentifiersSurviveReplay() throws {
        let directory = TempDirectory()
        let entry = LogEntry.job(id: [0xff, 0xc3, 0x28, 0x20], execution: 5, status: .failed)
        try directory.write("logfile", frames([entry]))
        let (_, entries) = try replay(directory.file("logfile"))
        #expect(entries == [entry])
    }
}
