import Foundation
import Glibc
import KairosCore
import KairosProtocol
import Testing
@testable import KairosStore

/// The real thing: a child process (this test binary, running only `abortingChild`) compacts
/// with `KAIROS_COMPACTION_ABORT_AT=<step>` and dies of SIGABRT at that step; the parent then
/// replays the directory and must find every acknowledged entry.
@Suite struct CompactionAbortTests {
    private static let childDirectory = ProcessInfo.processInfo.environment["KAIROS_TEST_CRASH_DIR"]

    /// Reference files in every run, so the migration steps are reached too.
    private static let compressed: [LogEntry] = [
        .job(id: b("job.0"), execution: 77, status: .planned),
        .job(id: b("ref.only"), execution: 1, status: .planned),
    ]
    private static let toCompress: [LogEntry] = [.jobRemoval(id: b("ref.only")), .job(id: b("ref.two"), execution: 2, status: .planned)]

    @Test(.enabled(if: childDirectory == nil), arguments: CompactionStep.allCases)
    func aProcessAbortedAtEachStepReplaysToTheSameState(step: CompactionStep) throws {
        let directory = TempDirectory()
        try directory.write("logfile.compressed", frames(Self.compressed))
        try directory.write("logfile.to_compress", frames(Self.toCompress))

        let child = Process()
        child.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        child.arguments = ["--testing-library", "swift-testing", "--filter", "abortingChildProcessBody"]
        var environment = ProcessInfo.processInfo.environment
        environment["KAIROS_TEST_CRASH_DIR"] = directory.path
        environment["KAIROS_COMPACTION_ABORT_AT"] = step.rawValue
        // The runtime's crash backtracer is slow and trips over sanitizers; the abort is expected.
        environment["SWIFT_BACKTRACE"] = "enable=no"
        child.environment = environment
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        guard eventually(within: 120, { !child.isRunning }) else {
            child.terminate()
            Issue.record("step \(step.rawValue): the child did not exit")
            return
        }
        #expect(child.terminationReason == .uncaughtSignal, "step \(step.rawValue)")
        #expect(child.terminationStatus == SIGABRT, "step \(step.rawValue)")

        let expected = TableState(Self.compressed + Self.toCompress + workload(0) + workload(1))
        #expect(try TableState.replaying(directory.file("logfile")) == expected, "step \(step.rawValue)")
    }

    /// Runs only inside the child. Never returns normally when the hook works.
    @Test(.enabled(if: childDirectory != nil))
    func abortingChildProcessBody() throws {
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
        let directory = TempDirectory(existing: Self.childDirectory!)
        let h = try CompactionHarness(directory: directory)
        h.write(workload(0))
        _ = h.compactor.runOnce(checkpoint: .fromEnvironment()) { h.write(workload(1)) }
        Issue.record("the compaction did not abort")
        exit(3)
    }
}
