import KairosCore
import KairosProtocol
import KairosSync
import Testing
@testable import KairosStore

/// A crash at each compaction step (D-compaction). The compaction is stopped at the step by a
/// checkpoint that throws, and everything in memory is abandoned as a dead process would
/// leave it (no cleanup, no further appends); then the directory is replayed as the next
/// start would. `KAIROS_COMPACTION_ABORT_AT` aborts at the same points for real.
///
/// What a crash cannot take away here is what the kernel already has (page cache): power
/// loss is covered by the order of syncs (temp synced before the rename, directory synced
/// before any later entry is acknowledged), not by this test.
@Suite struct CompactionCrashTests {
    static let writerSteps: [CompactionStep] = [.afterTempWrite, .afterTempSync, .afterDeltaCopy,
                                                 .afterDeltaSync, .afterRename, .afterDirectorySync]

    /// Interrupts a compaction that has entries appended after its snapshot, then checks
    /// that replay gives the state of every acknowledged entry, and that a new journal on
    /// the same directory works.
    private func crash(at step: CompactionStep, prefill: (TempDirectory) throws -> Void = { _ in }) throws {
        let h = try CompactionHarness(prefill: prefill)
        // The acknowledged entries: the reference files (if any), then both workloads.
        var model = TableState()
        for name in ["logfile.compressed", "logfile.to_compress"] where h.directory.exists(name) {
            let bytes = try h.directory.read(name)
            bytes.withUnsafeBytes { raw in
                var scanner = FrameScanner(raw)
                while let frame = scanner.next() {
                    if let entry = try? LogDecoder.decode(payload: frame.payload) { model.apply(entry) }
                }
            }
        }
        h.write(workload(0))
        let result = h.compactor.runOnce(checkpoint: .interrupt(at: step)) {
            h.write(workload(1))
        }
        #expect(result == .interrupted(step), "step \(step.rawValue)")
        let expected = try TableState.replaying(h.logfile)
        #expect(expected.jobs.count > 0)

        for entry in workload(0) + workload(1) { model.apply(entry) }
        #expect(expected == model, "step \(step.rawValue)")
        #expect(!h.directory.exists("logfile.compacting"), "replay removes the temp file")

        // Restart on the same directory: appends land on a frame boundary and replay agrees.
        let restarted = try JournalHarness(directory: TempDirectoryView(h.directory))
        _ = restarted.journal.append(.jobRemoval(id: b("job.3")))
        restarted.journal.submit()
        #expect(restarted.waitFor(durable: 1))
        restarted.journal.shutdown()
        model.apply(.jobRemoval(id: b("job.3")))
        #expect(try TableState.replaying(h.logfile) == model, "step \(step.rawValue) after restart")
    }

    @Test(arguments: CompactionCrashTests.writerSteps)
    func aCrashAtEachStepReplaysToTheSameState(step: CompactionStep) throws {
        try crash(at: step)
    }

    @Test(arguments: CompactionStep.allCases)
    func aCrashWhileFoldingReferenceFilesReplaysToTheSameState(step: CompactionStep) throws {
        try crash(at: step) { directory in
            try directory.write("logfile.compressed", frames([
                .job(id: b("job.0"), execution: 77, status: .planned),
                .job(id: b("ref.only"), execution: 1, status: .planned),
                .rule(id: b("rule.9"), pattern: b("ref."), runner: .redis(url: b("redis://h"), command: b("SET"), key: b("k"))),
            ]))
            try directory.write("logfile.to_compress", frames([
                .job(id: b("job.5"), execution: 5, status: .planned),
                .jobRemoval(id: b("ref.only")),
                .job(id: b("ref.two"), execution: 2, status: .executed),
            ]))
        }
    }

    @Test func anyReferenceFileLeftBehindAfterAFoldingCompactionGivesTheSameState() throws {
        for keep in [["logfile.compressed"], ["logfile.to_compress"], []] {
            let compressed = try frames([.job(id: b("x"), execution: 1, status: .planned), .job(id: b("y"), execution: 1, status: .planned)])
            let toCompress = try frames([.jobRemoval(id: b("x"))])
            let h = try CompactionHarness { directory in
                try directory.write("logfile.compressed", compressed)
                try directory.write("logfile.to_compress", toCompress)
            }
            h.write([.jobRemoval(id: b("y")), .job(id: b("z"), execution: 3, status: .planned)])
            let expected = try TableState.replaying(h.logfile)
            #expect(h.compactor.runOnce(checkpoint: .interrupt(at: .afterDirectorySync)) == .interrupted(.afterDirectorySync))
            // Files still present; put back only those a partial removal would leave.
            for name in ["logfile.compressed", "logfile.to_compress"] where !keep.contains(name) {
                try PosixFileSystem().remove(h.directory.file(name))
            }
            #expect(try TableState.replaying(h.logfile) == expected, "left: \(keep)")
        }
    }

    @Test func stepNamesMatchTheEnvironmentHook() {
        #expect(CompactionStep.allCases.map(\.rawValue) == [
            "after-temp-write", "after-temp-sync", "after-delta-copy", "after-delta-sync",
            "after-rename", "after-dir-sync", "after-migration-removal",
        ])
        #expect(CompactionStep(name: "before-dir-sync") == .afterRename)
        #expect(CompactionStep(name: "nonsense") == nil)
    }
}
