import Glibc
import KairosCore
import KairosProtocol
import KairosSystem
import Testing
@testable import KairosStore

/// Replay never cuts what is not a torn append (issue 9, item 6): damage is refused with the
/// file untouched, torn tails are cut only after a synced copy, and `--repair` moves damage
/// to the same kind of side file.
@Suite struct ReplayDamageTests {
    private func replay(_ path: String, repair: Bool = false, log: LogCapture = LogCapture()) throws -> (ReplayReport, [LogEntry]) {
        var entries: [LogEntry] = []
        let report = try Replayer.replay(logfile: path, repair: repair, logger: log.logger) { entries.append($0) }
        return (report, entries)
    }

    /// Many jobs, so a damaged length has real entries behind it.
    private func jobs(_ count: Int) -> [LogEntry] {
        (0..<count).map { .job(id: b("job.\($0)"), execution: 1_000 + Int64($0), status: .planned) }
    }

    private func sideFiles(_ directory: TempDirectory) -> [String] {
        directory.list().filter { $0.hasPrefix("logfile.torn-") }
    }

    @Test func aTextFileIsRefusedAndLeftUntouched() throws {
        for text in ["hello, this is not a logfile\n", "[database]\nlogfile_path = \"x\"\n", "ab"] {
            let directory = TempDirectory()
            let bytes = Array(text.utf8)
            try directory.write("logfile", bytes)
            let path = directory.file("logfile")
            #expect(throws: StoreError.damaged(path: path, offset: 0, bytes: Int64(bytes.count), reason: .notALogfile)) {
                try replay(path)
            }
            #expect(try directory.read("logfile") == bytes)
            #expect(sideFiles(directory).isEmpty)
        }
    }

    @Test func aFileWhoseFirstFrameDoesNotDecodeIsRefused() throws {
        let directory = TempDirectory()
        let bytes = hex("00 00 00 03 09 00 00") + (try frames(jobs(3)))
        try directory.write("logfile", bytes)
        let path = directory.file("logfile")
        #expect(throws: StoreError.damaged(path: path, offset: 0, bytes: Int64(bytes.count), reason: .notALogfile)) {
            try replay(path)
        }
        #expect(try directory.read("logfile") == bytes)
    }

    @Test func aFlippedLengthBitMidFileIsRefusedAndLeftUntouched() throws {
        let entries = jobs(2_000)
        let good = try frames(entries)
        // The frame of job 1000 starts here; flip each bit of its length field in turn.
        let frameStart = try frames(Array(entries[0..<1_000])).count
        for bit in 0..<32 {
            var bytes = good
            bytes[frameStart + 3 - bit / 8] ^= UInt8(1 << (bit % 8))
            let directory = TempDirectory()
            try directory.write("logfile", bytes)
            let path = directory.file("logfile")
            var refused = false
            do {
                _ = try replay(path)
            } catch let error as StoreError {
                // A shorter length lands the scan inside the damaged frame's payload.
                if case .damaged(_, let offset, _, _) = error { refused = offset < Int64(frameStart) + 64 }
            }
            #expect(refused, "bit \(bit)")
            #expect(try directory.read("logfile") == bytes, "bit \(bit)")
            #expect(sideFiles(directory).isEmpty)
        }
    }

    @Test func aDamagedLengthInTheLastFramesIsRefusedWhenFramesFollow() throws {
        // Shrinking a length makes the next "frame" start inside a payload; what follows
        // it still decodes, so this is damage even though the tail is small.
        let entries = jobs(5)
        let good = try frames(entries)
        let third = try frames(Array(entries[0..<2])).count
        var bytes = good
        bytes[third + 3] &+= 40
        let directory = TempDirectory()
        try directory.write("logfile", bytes)
        let path = directory.file("logfile")
        #expect(throws: StoreError.self) { try replay(path) }
        #expect(try directory.read("logfile") == bytes)
    }

    @Test func aGenuineTornTailIsCutAfterASyncedCopyOfItsExactBytes() throws {
        let entries = jobs(10)
        let good = try frames(entries)
        let torn = Array(try LogCodec.encodeFrame(.job(id: b("job.torn"), execution: 7, status: .planned)).prefix(9))
        let directory = TempDirectory()
        try directory.write("logfile", good + torn)
        let log = LogCapture()
        let (report, decoded) = try replay(directory.file("logfile"), log: log)
        #expect(decoded == entries)
        #expect(try directory.read("logfile") == good)
        let sides = sideFiles(directory)
        #expect(sides.count == 1)
        #expect(try directory.read(sides[0]) == torn)
        #expect(report.files[0].sideFile == directory.file(sides[0]))
        #expect(report.files[0].truncated)
        #expect(log.contains("saved them to \(directory.file(sides[0]))"))
    }

    @Test func aTornVeryFirstAppendIsCutToAnEmptyFile() throws {
        let torn = Array(try LogCodec.encodeFrame(.jobRemoval(id: b("first"))).prefix(6))
        let directory = TempDirectory()
        try directory.write("logfile", torn)
        let (_, decoded) = try replay(directory.file("logfile"))
        #expect(decoded.isEmpty)
        #expect(try directory.read("logfile") == [])
        #expect(try directory.read(sideFiles(directory)[0]) == torn)
    }

    @Test func repairMovesTheDamagedBytesToASideFileAndKeepsWhatPrecedes() throws {
        let entries = jobs(100)
        let good = try frames(entries)
        let frameStart = try frames(Array(entries[0..<60])).count
        var bytes = good
        bytes[frameStart] ^= 0x40  // length + 1 GiB
        let directory = TempDirectory()
        try directory.write("logfile", bytes)
        let path = directory.file("logfile")
        #expect(throws: StoreError.self) { try replay(path) }
        #expect(try directory.read("logfile") == bytes)

        let log = LogCapture()
        let (report, decoded) = try replay(path, repair: true, log: log)
        #expect(decoded == Array(entries[0..<60]))
        #expect(try directory.read("logfile") == Array(bytes[0..<frameStart]))
        let sides = sideFiles(directory)
        #expect(sides.count == 1)
        #expect(try directory.read(sides[0]) == Array(bytes[frameStart...]))
        #expect(report.files[0].tailBytes == bytes.count - frameStart)
        #expect(log.contains("moved \(bytes.count - frameStart) damaged bytes"))

        // Once repaired, the next start has nothing to complain about.
        let (_, again) = try replay(path)
        #expect(again == Array(entries[0..<60]))
    }

    @Test func repairOfAFileThatIsNotALogfileMovesAllOfIt() throws {
        let directory = TempDirectory()
        let bytes = Array("not a logfile at all\n".utf8)
        try directory.write("logfile", bytes)
        let (_, decoded) = try replay(directory.file("logfile"), repair: true)
        #expect(decoded.isEmpty)
        #expect(try directory.read("logfile") == [])
        #expect(try directory.read(sideFiles(directory)[0]) == bytes)
    }

    @Test func sideFileNamesNeverCollide() throws {
        let directory = TempDirectory()
        let paths = LogfilePaths(logfile: directory.file("logfile"))
        let first = try [UInt8]([1]).withUnsafeBytes { try TornBytesArchive.save($0, of: paths, nowSeconds: 0) }
        let second = try [UInt8]([2]).withUnsafeBytes { try TornBytesArchive.save($0, of: paths, nowSeconds: 0) }
        #expect(first == directory.file("logfile.torn-19700101T000000Z"))
        #expect(second == directory.file("logfile.torn-19700101T000000Z.1"))
    }

    @Test func theWriterNeverLeavesMoreThanTheTornTailBoundUnsynced() throws {
        let h = try JournalHarness()
        // One round far larger than the bound: written in pieces with a sync between them.
        let count = 3 * JournalWriter.maxUnsyncedBytes / 20
        h.appendJobs(1...count)
        h.journal.submit()
        #expect(h.waitFor(durable: UInt64(count)))
        let writes = h.plan.read { $0.bytesWritten }
        #expect(writes.allSatisfy { $0 <= JournalWriter.maxUnsyncedBytes })
        #expect(writes.reduce(0, +) == (try h.expectedBytes(Array(1...count))).count)
        #expect(h.plan.read { $0.syncs } >= writes.count)
        h.journal.shutdown()
    }
}
