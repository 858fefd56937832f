import Foundation
import KairosCore
import KairosProtocol
import KairosSystem
import Testing
@testable import KairosStore

/// Target: replay of 1,000,000 entries in ≤ 2 s. Meaningful in release builds only:
/// `KAIROS_PERF=1 swift test -c release --filter ReplayPerformanceTests`.
@Suite struct ReplayPerformanceTests {
    static let enabled = ProcessInfo.processInfo.environment["KAIROS_PERF"] == "1"

    /// A million entries shaped like a busy server's log: SETs and outcomes of 200,000 jobs,
    /// some removals, a few hundred rules.
    static func millionEntryFile() throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(40 << 20)
        for n in 0..<1_000_000 {
            let job = n % 200_000
            let id = Array("tenant.\(job % 7).job.\(job)".utf8)
            let entry: LogEntry
            switch n % 20 {
            case 0: entry = .jobRemoval(id: id)
            case 1: entry = .rule(id: Array("rule.\(n % 300)".utf8), pattern: Array("tenant.\(n % 7).".utf8),
                                  runner: .direct(executable: Array("/usr/bin/env".utf8), args: [Array("true".utf8)]))
            case 2, 3, 4: entry = .job(id: id, execution: Int64(n) * 1_000_000_000, status: n % 2 == 0 ? .executed : .failed)
            default: entry = .job(id: id, execution: 1_775_008_800_000_000_000 + Int64(n), status: .planned)
            }
            try LogCodec.appendFrame(entry, to: &bytes)
        }
        return bytes
    }

    @Test(.enabled(if: enabled)) func replayOfAMillionEntries() throws {
        let directory = TempDirectory()
        let bytes = try Self.millionEntryFile()
        try directory.write("logfile", bytes)
        let log = LogCapture()

        var count = 0
        var started = Clock.monotonicNanoseconds()
        _ = try Replayer.replay(logfile: directory.file("logfile"), logger: log.logger) { _ in count += 1 }
        let decodeOnly = Double(Clock.monotonicNanoseconds() - started) / 1e9

        // With a table insert per entry, roughly what the core's apply adds.
        var jobs: [Bytes: LogEntry] = [:]
        jobs.reserveCapacity(200_000)
        started = Clock.monotonicNanoseconds()
        _ = try Replayer.replay(logfile: directory.file("logfile"), logger: log.logger) { entry in
            if case .job(let id, _, _) = entry { jobs[id] = entry }
        }
        let withTable = Double(Clock.monotonicNanoseconds() - started) / 1e9

        print("replay of 1,000,000 entries (\(bytes.count) bytes): read+decode \(decodeOnly) s, with a table insert \(withTable) s")
        #expect(count == 1_000_000)
        #expect(decodeOnly <= 2.0)
        #expect(withTable <= 2.0)
    }

    @Test(.enabled(if: enabled)) func compactionOfAMillionEntries() throws {
        let bytes = try Self.millionEntryFile()
        let started = Clock.monotonicNanoseconds()
        let output = CompactionBuilder.build([bytes], keepRemovals: false)
        let seconds = Double(Clock.monotonicNanoseconds() - started) / 1e9
        print("compaction build of 1,000,000 entries: \(seconds) s, \(output.framesIn) → \(output.framesOut) frames")
        #expect(output.framesIn == 1_000_000)
    }
}
