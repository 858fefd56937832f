import Foundation
import Glibc
import KairosProtocol
import KairosSystem
import Synchronization
import Testing
@testable import KairosRunners

/// D-limits: a run whose start fails for want of descriptors, processes or memory is retried with
/// backoff instead of ending `failed` (issue 9, item 4).
@Suite struct SpawnRetryTests {
    /// Fails the first `failures` starts with `error`, then spawns for real.
    final class FlakySpawner: Sendable {
        private let remaining: Mutex<Int>
        private let attempts = Mutex<[Int64]>([])
        private let error: Errno

        init(failures: Int, error: Errno) {
            remaining = Mutex(failures)
            self.error = error
        }

        var attemptTimes: [Int64] { attempts.withLock { $0 } }

        var spawner: Spawner {
            { argv, environment throws(Errno) in
                self.attempts.withLock { $0.append(Clock.monotonicNanoseconds()) }
                let fail = self.remaining.withLock { left -> Bool in
                    guard left > 0 else { return false }
                    left -= 1
                    return true
                }
                if fail { throw self.error }
                return try ProcessSpawner.spawn(argv, environment: environment)
            }
        }
    }

    @Test func emfileIsRetriedWithBackoffUntilTheRunStarts() throws {
        let flaky = FlakySpawner(failures: 3, error: .tooManyOpenFiles)
        let harness = try Harness(RunnerConfig(concurrency: 4), spawner: flaky.spawner)
        harness.submit(shell("exit 0"), id: "retried")
        var sawPending = false
        let done = eventually(within: 5) {
            sawPending = sawPending || harness.stats.executionsPending.load(ordering: .relaxed) == 1
            harness.drain()
            return !harness.outcomes.isEmpty
        }
        #expect(done)
        #expect(harness.outcomes.map(\.success) == [true])
        #expect(sawPending)
        let times = flaky.attemptTimes
        #expect(times.count == 4)
        // 50 ms, then 100, then 200 between attempts (a little slack for scheduling).
        let gaps = zip(times.dropFirst(), times).map { ($0 - $1) / 1_000_000 }
        #expect(gaps.count == 3)
        for (gap, expected) in zip(gaps, [50, 100, 200] as [Int64]) {
            #expect(gap >= expected && gap < expected + 500, "gap \(gap) ms, expected \(expected)")
        }
        #expect(harness.log.all.filter { $0.contains("Too many open files; retrying in") }.count == 3)
        #expect(harness.stats.executionsPending.load(ordering: .relaxed) == 0)
    }

    @Test func everyTransientShortageIsRetried() throws {
        for errno in [EMFILE, ENFILE, EAGAIN, ENOMEM] {
            let flaky = FlakySpawner(failures: 1, error: Errno(errno))
            let harness = try Harness(spawner: flaky.spawner)
            #expect(harness.run(shell("exit 0")) == true, "errno \(errno)")
            #expect(flaky.attemptTimes.count == 2)
        }
    }

    @Test func otherStartErrorsStillFailTheRunAtOnce() throws {
        let flaky = FlakySpawner(failures: 1, error: Errno(EACCES))
        let harness = try Harness(spawner: flaky.spawner)
        #expect(harness.run(shell("exit 0")) == false)
        #expect(flaky.attemptTimes.count == 1)
    }

    @Test func theTimeoutCountsFromTheRealStart() throws {
        // Retries take 50 + 100 + 200 ms, longer than the 300 ms timeout; the run itself
        // takes 100 ms, so it succeeds only if the clock starts when the process does.
        let flaky = FlakySpawner(failures: 3, error: .tooManyOpenFiles)
        let harness = try Harness(RunnerConfig(timeoutMs: 300), spawner: flaky.spawner)
        #expect(harness.run(shell("sleep 0.1")) == true)
    }

    @Test func backoffDoublesUpToTwoSecondsAndResetsOnSuccess() {
        var backoff = SpawnBackoff()
        #expect(backoff.allowsStart(now: 0))
        var delays: [Int64] = []
        for _ in 0..<8 { delays.append(backoff.failed(now: 0) / 1_000_000) }
        #expect(delays == [50, 100, 200, 400, 800, 1600, 2000, 2000])
        #expect(!backoff.allowsStart(now: 1_999_999_999))
        #expect(backoff.allowsStart(now: 2_000_000_000))
        backoff.succeeded()
        #expect(backoff.retryAt == nil)
        #expect(backoff.failed(now: 0) == 50_000_000)
    }
}
