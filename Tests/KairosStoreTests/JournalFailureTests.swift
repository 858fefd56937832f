import Glibc
import KairosCore
import KairosSystem
import Testing
@testable import KairosStore

/// The Journal contract's failure rules with a file that fails on demand.
@Suite struct JournalFailureTests {
    @Test func enospcFailsTheBatchAndLaterBatchesUntilDiscard() throws {
        let h = try JournalHarness()
        h.plan.update { $0.writeFaults = [(Errno.noSpace, 0)] }
        h.appendJobs(1...2)
        h.journal.submit()
        #expect(h.waitFor(failed: 2))
        #expect(h.journal.progress == JournalProgress(durableThrough: 0, failedThrough: 2))
        #expect(h.log.contains("No space left on device"))

        // Appended before the core saw the failure: dropped, reported failed, never written.
        h.appendJobs(3...3)
        h.journal.submit()
        #expect(h.waitFor(failed: 3))
        #expect(try h.fileBytes() == [])

        h.journal.discard(through: 3)
        h.appendJobs(4...4)
        h.journal.submit()
        #expect(h.waitFor(durable: 4))
        #expect(h.journal.progress == JournalProgress(durableThrough: 4, failedThrough: 3))
        #expect(try h.fileBytes() == h.expectedBytes([4]))
        h.journal.shutdown()
    }

    @Test func aPartialWriteIsTruncatedSoNoHalfFrameRemains() throws {
        let h = try JournalHarness()
        h.appendJobs(1...1)
        h.journal.submit()
        #expect(h.waitFor(durable: 1))
        h.plan.update { $0.writeFaults = [(Errno.noSpace, 7)] }
        h.appendJobs(2...3)
        h.journal.submit()
        #expect(h.waitFor(failed: 3))
        #expect(h.plan.read { $0.truncates } == 1)
        #expect(try h.fileBytes() == h.expectedBytes([1]))

        h.journal.discard(through: 3)
        h.appendJobs(4...4)
        h.journal.submit()
        #expect(h.waitFor(durable: 4))
        #expect(try h.fileBytes() == h.expectedBytes([1, 4]))
        h.journal.shutdown()
    }

    /// D-storage-faults: after a failed fdatasync the kernel may have dropped pages of earlier entries, so the
    /// writer acknowledges nothing more (not even as failed) and asks for the fail-stop.
    @Test func eioOnFsyncStopsAcknowledgingAndRequestsTheFailStop() throws {
        let h = try JournalHarness()
        h.appendJobs(1...1)
        h.journal.submit()
        #expect(h.waitFor(durable: 1))
        h.plan.update { $0.syncFaults = [Errno.io] }
        h.appendJobs(2...3)
        h.journal.submit()
        #expect(eventually { h.failStops.recorded.count == 1 })
        let message = h.failStops.recorded.first ?? ""
        #expect(message.contains("fdatasync of the logfile \(h.directory.file("logfile")) failed"))
        #expect(h.log.contains("fdatasync of the logfile"))

        // Later batches and a discard change nothing: no progress, no write, no second stop.
        h.appendJobs(4...4)
        h.journal.submit()
        h.journal.discard(through: 4)
        h.appendJobs(5...5)
        h.journal.submit()
        h.journal.shutdown()
        #expect(h.journal.progress == JournalProgress(durableThrough: 1, failedThrough: 0))
        #expect(h.plan.read { $0.writes } == 2)
        #expect(h.plan.read { $0.syncs } == 2)
        #expect(h.failStops.recorded.count == 1)
    }

    @Test func aFailedTruncationIsRepairedBeforeTheNextWrite() throws {
        let h = try JournalHarness()
        h.appendJobs(1...1)
        h.journal.submit()
        #expect(h.waitFor(durable: 1))
        h.plan.update {
            $0.writeFaults = [(Errno.io, 5)]
            $0.truncateFaults = [Errno.io]
        }
        h.appendJobs(2...2)
        h.journal.submit()
        #expect(h.waitFor(failed: 2))
        #expect(try h.fileBytes().count == h.expectedBytes([1]).count + 5)

        h.journal.discard(through: 2)
        h.appendJobs(3...3)
        h.journal.submit()
        #expect(h.waitFor(durable: 3))
        #expect(try h.fileBytes() == h.expectedBytes([1, 3]))
        h.journal.shutdown()
    }

    @Test func discardDropsTheUnsubmittedBatchToo() throws {
        let h = try JournalHarness()
        h.plan.update { $0.writeFaults = [(Errno.noSpace, 0)] }
        h.appendJobs(1...1)
        h.journal.submit()
        #expect(h.waitFor(failed: 1))
        h.appendJobs(2...2)
        h.journal.discard(through: 2)
        h.appendJobs(3...3)
        h.journal.submit()
        #expect(h.waitFor(durable: 3))
        #expect(try h.fileBytes() == h.expectedBytes([3]))
        h.journal.shutdown()
    }

    @Test func anUnencodableEntryFailsItAndTheRestOfItsBatch() throws {
        let h = try JournalHarness()
        _ = h.journal.append(h.job(1))
        _ = h.journal.append(.jobRemoval(id: Array(repeating: 0x41, count: 65536)))
        _ = h.journal.append(h.job(3))
        h.journal.submit()
        #expect(h.waitFor(durable: 1, failed: 3))
        #expect(h.journal.progress == JournalProgress(durableThrough: 1, failedThrough: 3))
        #expect(try h.fileBytes() == h.expectedBytes([1]))
        #expect(h.log.contains("65536"))

        h.journal.discard(through: 3)
        _ = h.journal.append(h.job(4))
        h.journal.submit()
        #expect(h.waitFor(durable: 4))
        #expect(try h.fileBytes() == h.expectedBytes([1, 4]))
        h.journal.shutdown()
    }
}

@Suite struct GroupCommitTests {
    @Test func manyAppendsOneSubmitIsOneWriteAndOneSync() throws {
        let h = try JournalHarness()
        h.appendJobs(1...500)
        h.journal.submit()
        #expect(h.waitFor(durable: 500))
        #expect(h.plan.read { $0.writes } == 1)
        #expect(h.plan.read { $0.syncs } == 1)
        h.journal.shutdown()
    }

    @Test func batchesSubmittedDuringAnFsyncShareTheNextWriteAndSync() throws {
        let h = try JournalHarness()
        h.plan.holdSyncs(true)
        h.appendJobs(1...1)
        h.journal.submit()
        #expect(eventually { h.plan.read { $0.syncsWaiting } == 1 })
        for n in 2...51 {
            h.appendJobs(n...n)
            h.journal.submit()
        }
        #expect(h.journal.progress.durableThrough == 0)
        h.plan.holdSyncs(false)
        #expect(h.waitFor(durable: 51))
        #expect(h.plan.read { $0.writes } == 2)
        #expect(h.plan.read { $0.syncs } == 2)
        #expect(h.plan.read { $0.bytesWritten } == [try h.expectedBytes([1]).count, try h.expectedBytes(Array(2...51)).count])
        #expect(try h.fileBytes() == h.expectedBytes(Array(1...51)))
        h.journal.shutdown()
    }
}

@Suite struct WriterPolicyTests {
    private func batch(_ last: UInt64, unencodable: UInt64? = nil) -> JournalMessage {
        .batch(JournalBatch(bytes: [], last: last, unencodable: unencodable))
    }

    @Test func failedStateDropsUntilDiscard() {
        var policy = WriterPolicy()
        #expect(policy.receive(batch(2)) == .write(through: 2, failThrough: nil))
        policy.writeFailed()
        #expect(policy.isFailed)
        #expect(policy.receive(batch(4)) == .drop(failThrough: 4))
        #expect(policy.receive(.discard(through: 5)) == .discard)
        #expect(!policy.isFailed)
        #expect(policy.receive(batch(6)) == .write(through: 6, failThrough: nil))
    }

    @Test func aFailedSyncHaltsForGood() {
        var policy = WriterPolicy()
        policy.syncFailed()
        #expect(policy.isHalted && !policy.isFailed)
        #expect(policy.receive(batch(3)) == .ignore)
        #expect(policy.receive(.discard(through: 3)) == .ignore)
        policy.writeFailed()
        #expect(policy.isHalted)
        #expect(policy.receive(batch(4)) == .ignore)
    }

    @Test func anUnencodableEntryWritesThePrefixThenFails() {
        var policy = WriterPolicy()
        #expect(policy.receive(batch(9, unencodable: 7)) == .write(through: 6, failThrough: 9))
        #expect(policy.receive(batch(10)) == .drop(failThrough: 10))
    }
}
