import Glibc
import KairosCore
import KairosProtocol
import KairosSync
import KairosSystem
import Testing
@testable import KairosStore

/// The test thread plays the core thread: it alone calls append/submit/progress/discard.
struct JournalHarness {
    let directory: TempDirectory
    let plan = FaultPlan()
    let log = LogCapture()
    let coreBell: Doorbell
    let journal: FileJournal
    /// Messages the journal passed to its fail-stop hook (D-storage-faults), instead of ending the process.
    let failStops = FailStopRecorder()

    init(directory: TempDirectory = TempDirectory(), fsync: Bool = true, ringCapacity: Int = 1024, start: Bool = true) throws {
        self.directory = directory
        coreBell = try Doorbell()
        journal = try FileJournal(path: directory.file("logfile"), fsync: fsync, coreDoorbell: coreBell,
                                  logger: log.logger, fileSystem: FaultyFileSystem(plan: plan),
                                  ringCapacity: ringCapacity, failStop: failStops.hook)
        if start { try journal.start() }
    }

    func job(_ n: Int) -> LogEntry { .job(id: b("job.\(n)"), execution: Int64(n), status: .planned) }

    @discardableResult
    func appendJobs(_ range: ClosedRange<Int>) -> [UInt64] {
        range.map { journal.append(job($0)) }
    }

    func waitFor(durable: UInt64 = 0, failed: UInt64 = 0) -> Bool {
        eventually {
            let progress = journal.progress
            return progress.durableThrough >= durable && progress.failedThrough >= failed
        }
    }

    func fileBytes() throws -> [UInt8] { try directory.read("logfile") }

    func expectedBytes(_ numbers: [Int]) throws -> [UInt8] { try frames(numbers.map(job)) }
}

@Suite struct JournalTests {
    @Test func appendsAreWrittenInOrderAndReportedDurable() throws {
        let h = try JournalHarness()
        #expect(h.appendJobs(1...3) == [1, 2, 3])
        h.journal.submit()
        #expect(h.waitFor(durable: 3))
        #expect(h.journal.progress == JournalProgress(durableThrough: 3, failedThrough: 0))
        #expect(try h.fileBytes() == h.expectedBytes([1, 2, 3]))
        h.journal.shutdown()
    }

    /// A written batch's buffer goes back to the core, and batches encoded into recycled
    /// buffers reach the file exactly as fresh ones would.
    @Test func writtenBatchBuffersComeBackForTheNextBatches() throws {
        let h = try JournalHarness()
        h.appendJobs(1...3)
        h.journal.submit()
        #expect(h.waitFor(durable: 3))
        let batchSize = try h.expectedBytes([1, 2, 3]).count
        let spare = h.journal.writer.spentBatches.take()
        #expect(spare.isEmpty)
        #expect(spare.capacity >= batchSize)
        h.journal.writer.spentBatches.give(consume spare)
        for n in 4...20 {
            h.appendJobs(n...n)
            h.journal.submit()
            #expect(h.waitFor(durable: UInt64(n)))
        }
        h.journal.shutdown()
        #expect(try h.fileBytes() == h.expectedBytes(Array(1...20)))
    }

    @Test func theReferenceSequenceIsWrittenByteForByteAsTheReferenceWroteIt() throws {
        let h = try JournalHarness()
        for entry in CodecGoldenTests.fixtureEntries {
            _ = h.journal.append(entry)
            h.journal.submit()
        }
        #expect(h.waitFor(durable: 16))
        h.journal.shutdown()
        #expect(try h.fileBytes() == Fixture.bytes("ztick.log"))
    }

    @Test func progressRingsTheCoreDoorbell() throws {
        let h = try JournalHarness()
        let waiter = try BellWaiter(h.coreBell)
        h.coreBell.arm()
        h.appendJobs(1...1)
        h.journal.submit()
        #expect(waiter.wait(timeoutMilliseconds: 10_000))
        h.coreBell.disarm()
        #expect(h.journal.progress.durableThrough == 1)
        h.journal.shutdown()
    }

    @Test func theDirectoryIsSyncedOnceBeforeTheFirstAcknowledgement() throws {
        let h = try JournalHarness()
        for n in 1...3 {
            h.appendJobs(n...n)
            h.journal.submit()
            #expect(h.waitFor(durable: UInt64(n)))
        }
        #expect(h.plan.read { $0.directorySyncs } == 1)
        #expect(h.plan.read { $0.syncs } == 3)
        h.journal.shutdown()
    }

    @Test func outcomesRideAlongWithTheNextSync() throws {
        let h = try JournalHarness()
        let outcomes: [LogEntry] = [.job(id: b("a"), execution: 1, status: .executed), .job(id: b("b"), execution: 1, status: .failed)]
        _ = outcomes.map(h.journal.append)
        h.journal.submit()
        #expect(h.waitFor(durable: 2))
        #expect(h.plan.read { $0.writes } == 1)
        #expect(h.plan.read { $0.syncs } == 0)
        #expect(h.plan.read { $0.directorySyncs } == 0)

        _ = h.journal.append(.job(id: b("c"), execution: 1, status: .planned))
        h.journal.submit()
        #expect(h.waitFor(durable: 3))
        #expect(h.plan.read { $0.syncs } == 1)
        #expect(h.plan.read { $0.directorySyncs } == 1)
        h.journal.shutdown()
        #expect(h.plan.read { $0.syncs } == 1)
        #expect(try h.fileBytes() == frames(outcomes + [.job(id: b("c"), execution: 1, status: .planned)]))
    }

    @Test func shutdownSyncsOutcomesThatRodeAlong() throws {
        let h = try JournalHarness()
        _ = h.journal.append(.job(id: b("a"), execution: 1, status: .executed))
        h.journal.submit()
        #expect(h.waitFor(durable: 1))
        #expect(h.plan.read { $0.syncs } == 0)
        h.journal.shutdown()
        #expect(h.plan.read { $0.syncs } == 1)
        #expect(h.plan.read { $0.directorySyncs } == 1)
    }

    @Test func fsyncOffWritesWithoutSyncing() throws {
        let h = try JournalHarness(fsync: false)
        h.appendJobs(1...5)
        h.journal.submit()
        #expect(h.waitFor(durable: 5))
        #expect(h.plan.read { $0.syncs } == 0)
        #expect(h.plan.read { $0.directorySyncs } == 0)
        #expect(try h.fileBytes() == h.expectedBytes(Array(1...5)))
        h.journal.shutdown()
    }

    @Test func appendingToAnExistingFileKeepsItsContent() throws {
        let directory = TempDirectory()
        let existing = try frames([.jobRemoval(id: b("old"))])
        try directory.write("logfile", existing)
        let bell = try Doorbell()
        let journal = try FileJournal(path: directory.file("logfile"), fsync: true, coreDoorbell: bell, logger: LogCapture().logger,
                                      failStop: { _ in Issue.record("unexpected fail-stop") })
        try journal.start()
        _ = journal.append(.ruleRemoval(id: b("new")))
        journal.submit()
        #expect(eventually { journal.progress.durableThrough == 1 })
        journal.shutdown()
        #expect(try directory.read("logfile") == existing + frames([.ruleRemoval(id: b("new"))]))
    }

    @Test func shutdownDrainsEverythingIncludingAnUnsubmittedBatch() throws {
        let h = try JournalHarness()
        for batch in 0..<10 {
            h.appendJobs((batch * 100 + 1)...(batch * 100 + 100))
            if batch < 9 { h.journal.submit() }
        }
        h.journal.shutdown()
        #expect(h.journal.progress.durableThrough == 1000)
        #expect(try h.fileBytes() == h.expectedBytes(Array(1...1000)))
    }

    @Test func aJournalNeverStartedStillDrainsOnShutdown() throws {
        let h = try JournalHarness(start: false)
        h.appendJobs(1...3)
        h.journal.submit()
        h.appendJobs(4...4)
        h.journal.shutdown()
        #expect(h.journal.progress.durableThrough == 4)
        #expect(try h.fileBytes() == h.expectedBytes([1, 2, 3, 4]))
    }

    @Test func batchesThatDoNotFitTheRingWaitInOrder() throws {
        let h = try JournalHarness(ringCapacity: 2)
        h.plan.holdSyncs(true)
        h.appendJobs(1...1)
        h.journal.submit()
        #expect(eventually { h.plan.read { $0.syncsWaiting } == 1 })
        for n in 2...12 {
            h.appendJobs(n...n)
            h.journal.submit()
        }
        h.plan.holdSyncs(false)
        #expect(h.waitFor(durable: 12))
        #expect(try h.fileBytes() == h.expectedBytes(Array(1...12)))
        h.journal.shutdown()
    }
}
