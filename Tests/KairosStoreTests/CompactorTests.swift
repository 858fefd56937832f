import Glibc
import KairosCore
import KairosProtocol
import KairosSync
import KairosSystem
import Testing
@testable import KairosStore

/// A journal plus compactor over one directory; the test thread is the core thread.
struct CompactionHarness {
    let journal: JournalHarness
    let stats = ServerStats()
    let compactor: Compactor
    var directory: TempDirectory { journal.directory }
    var logfile: String { journal.directory.file("logfile") }

    init(directory: TempDirectory = TempDirectory(), prefill: (TempDirectory) throws -> Void = { _ in },
         interval: UInt32 = 0) throws {
        try prefill(directory)
        journal = try JournalHarness(directory: directory)
        compactor = try Compactor(journal: journal.journal, intervalSeconds: interval, stats: stats, logger: journal.log.logger)
    }

    /// Appends and waits until durable.
    func write(_ entries: [LogEntry]) {
        let last = entries.map { journal.journal.append($0) }.last ?? 0
        journal.journal.submit()
        #expect(journal.waitFor(durable: last))
    }

    var compression: CompressionState {
        CompressionState(rawValue: stats.compression.load(ordering: .relaxed))!
    }

    func shutdown() {
        compactor.shutdown()
        journal.journal.shutdown()
    }
}

extension JournalHarness {
    init(directory: TempDirectory) throws {
        try self.init(directory: directory, fsync: true)
    }
}

/// A varied workload: re-SETs, outcomes (D-outcomes-persist), removals, rules, a non-UTF-8 id.
func workload(_ round: Int) -> [LogEntry] {
    (0..<40).flatMap { n -> [LogEntry] in
        let id = b("job.\(n % 7)")
        var entries: [LogEntry] = [.job(id: id, execution: Int64(round * 100 + n), status: .planned)]
        if n % 3 == 0 { entries.append(.job(id: id, execution: Int64(round * 100 + n), status: n % 2 == 0 ? .executed : .failed)) }
        if n % 5 == 0 { entries.append(.jobRemoval(id: id)) }
        if n % 4 == 0 { entries.append(.rule(id: b("rule.\(n % 3)"), pattern: b("job."), runner: .shell(command: b("echo \(round)")))) }
        if n == 13 { entries.append(.ruleRemoval(id: b("rule.1"))) }
        if n == 17 { entries.append(.job(id: [0xff, 0xfe, UInt8(round)], execution: -1, status: .planned)) }
        return entries
    }
}

@Suite struct CompactorTests {
    @Test func compactionKeepsTheStateAndShrinksTheFile() throws {
        let h = try CompactionHarness()
        var all: [LogEntry] = []
        for round in 0..<5 {
            h.write(workload(round))
            all += workload(round)
        }
        let before = try h.directory.read("logfile")
        #expect(h.compactor.runOnce(checkpoint: .none) == .success(framesIn: all.count, framesOut: TableState(all).jobs.count + TableState(all).rules.count))
        #expect(h.compression == .success)
        let after = try h.directory.read("logfile")
        #expect(after == CompactionBuilder.build([before], keepRemovals: false).bytes)
        #expect(after.count < before.count)
        #expect(try TableState.replaying(h.logfile) == TableState(all))
        #expect(h.directory.list() == ["logfile"])
        h.shutdown()
    }

    @Test func entriesAppendedMeanwhileFollowTheCompactedDataAndLaterOnesGoToTheNewFile() throws {
        let h = try CompactionHarness()
        h.write(workload(0))
        let snapshotBytes = try h.directory.read("logfile")
        let inodeBefore = try inode(h.logfile)
        var delta: [UInt8] = []
        var stateDuring = CompressionState.idle
        let result = h.compactor.runOnce(checkpoint: .none) {
            stateDuring = h.compression
            let before = (try? h.directory.read("logfile")) ?? []
            h.write(workload(1))
            delta = Array((try? h.directory.read("logfile"))?.dropFirst(before.count) ?? [])
        }
        #expect(result == .success(framesIn: workload(0).count, framesOut: TableState(workload(0)).jobs.count + TableState(workload(0)).rules.count))
        let compacted = CompactionBuilder.build([snapshotBytes], keepRemovals: false).bytes
        #expect(stateDuring == .running)
        #expect(h.compression == .success)
        #expect(!delta.isEmpty)
        #expect(try h.directory.read("logfile") == compacted + delta)
        #expect(try inode(h.logfile) != inodeBefore)

        h.write(workload(2))
        let expected = TableState(workload(0) + workload(1) + workload(2))
        #expect(try TableState.replaying(h.logfile) == expected)
        #expect(try h.directory.read("logfile").starts(with: compacted + delta))
        h.shutdown()
        #expect(try TableState.replaying(h.logfile) == expected)
    }

    @Test func referenceFilesAreFoldedInWithTombstonesThenRemoved() throws {
        let compressed = try frames([
            .job(id: b("a"), execution: 1, status: .planned),
            .rule(id: b("r"), pattern: b("a"), runner: .shell(command: b("x"))),
            .job(id: b("gone"), execution: 1, status: .planned),
        ])
        let toCompress = try frames([.job(id: b("b"), execution: 2, status: .planned)])
        let h = try CompactionHarness { directory in
            try directory.write("logfile.compressed", compressed)
            try directory.write("logfile.to_compress", toCompress)
        }
        h.write([.jobRemoval(id: b("gone")), .job(id: b("a"), execution: 3, status: .executed)])
        let expected = try TableState.replaying(h.logfile)
        #expect(expected.jobs.keys.sorted { $0.lexicographicallyPrecedes($1) } == [b("a"), b("b")])

        #expect(h.compactor.runOnce(checkpoint: .none) == .success(framesIn: 6, framesOut: 4))
        #expect(h.directory.list() == ["logfile"])
        #expect(try TableState.replaying(h.logfile) == expected)
        // The removal of "gone" is kept while the reference files might still be replayed.
        #expect(try h.directory.read("logfile").starts(with: frames([
            .rule(id: b("r"), pattern: b("a"), runner: .shell(command: b("x"))),
            .job(id: b("b"), execution: 2, status: .planned),
            .jobRemoval(id: b("gone")),
        ])))

        // Once the files are gone, the next compaction drops tombstones.
        #expect(h.compactor.runOnce(checkpoint: .none) == .success(framesIn: 4, framesOut: 3))
        #expect(try TableState.replaying(h.logfile) == expected)
        h.shutdown()
    }

    @Test func aFailedRenameLeavesTheLogfileAndTheJournalWorking() throws {
        let h = try CompactionHarness()
        h.write(workload(0))
        let before = try h.directory.read("logfile")
        h.journal.plan.update { $0.renameFaults = [Errno.io] }
        guard case .failure(let reason) = h.compactor.runOnce(checkpoint: .none) else {
            Issue.record("compaction should fail")
            return
        }
        #expect(reason.contains("rename"))
        #expect(h.compression == .failure)
        #expect(h.directory.list() == ["logfile"])
        #expect(try h.directory.read("logfile") == before)
        h.write(workload(1))
        #expect(try TableState.replaying(h.logfile) == TableState(workload(0) + workload(1)))
        h.shutdown()
    }

    @Test func aFailedDirectorySyncIsRetriedBeforeTheNextAcknowledgement() throws {
        let h = try CompactionHarness()
        h.write(workload(0))
        h.journal.plan.update { $0.directorySyncFaults = [Errno.io, Errno.io] }
        let result = h.compactor.runOnce(checkpoint: .none)
        #expect(result == .success(framesIn: workload(0).count,
                                   framesOut: TableState(workload(0)).jobs.count + TableState(workload(0)).rules.count))
        #expect(h.journal.log.contains("directory sync"))

        let first = h.journal.journal.append(.jobRemoval(id: b("job.1")))
        h.journal.journal.submit()
        #expect(h.journal.waitFor(failed: first))
        h.journal.journal.discard(through: first)

        let second = h.journal.journal.append(.jobRemoval(id: b("job.2")))
        h.journal.journal.submit()
        #expect(h.journal.waitFor(durable: second))
        // At the first write after open, at the swap (failed), its retry (failed), the retry.
        #expect(h.journal.plan.read { $0.directorySyncs } == 4)
        #expect(try TableState.replaying(h.logfile) == TableState(workload(0) + [.jobRemoval(id: b("job.2"))]))
        h.shutdown()
    }

    @Test func theTimerCompactsOneIntervalAfterStart() throws {
        let h = try CompactionHarness(interval: 1)
        h.write(workload(0) + workload(1))
        let started = Clock.monotonicNanoseconds()
        try h.compactor.start()
        #expect(h.compression == .idle)
        #expect(eventually(within: 10) { h.compression == .success })
        #expect(Clock.monotonicNanoseconds() - started >= 900_000_000)
        #expect(try TableState.replaying(h.logfile) == TableState(workload(0) + workload(1)))
        h.shutdown()
    }

    @Test func intervalZeroNeverCompacts() throws {
        let h = try CompactionHarness(interval: 0)
        h.write(workload(0))
        try h.compactor.start()
        h.compactor.shutdown()
        #expect(h.compression == .idle)
        h.shutdown()
    }
}

func inode(_ path: String) throws -> UInt64 {
    let fd = try FileDescriptor.open(path, flags: O_RDONLY)
    defer { fd.close() }
    return try fd.status().inode
}
