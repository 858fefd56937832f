import Foundation
import Glibc
import KairosProtocol
import Testing
@testable import KairosRunners

/// The pool's bounds: concurrency, timeouts, overflow queues, shutdown.
@Suite struct PoolTests {
    @Test func concurrencyLimitIsRespected() throws {
        let harness = try Harness(RunnerConfig(concurrency: 2))
        let started = Date()
        for index in 0..<6 { harness.submit(shell("sleep 0.2"), id: "s\(index)") }
        var maxInflight = 0
        var sawPending = false
        let finished = eventually {
            maxInflight = max(maxInflight, harness.stats.executionsInflight.load(ordering: .relaxed))
            sawPending = sawPending || harness.stats.executionsPending.load(ordering: .relaxed) > 0
            harness.drain()
            return harness.outcomes.count == 6
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(finished)
        #expect(maxInflight == 2)
        #expect(sawPending)
        #expect(elapsed >= 0.6)
        #expect(harness.outcomes.allSatisfy { $0.success })
        #expect(eventually { harness.stats.executionsInflight.load(ordering: .relaxed) == 0 })
        #expect(harness.stats.executionsPending.load(ordering: .relaxed) == 0)
    }

    @Test func waitingRunsStartInTriggerOrder() throws {
        let harness = try Harness(RunnerConfig(concurrency: 1))
        for index in 0..<5 { harness.submit(shell("true"), id: "o\(index)") }
        let outcomes = harness.awaitOutcomes(5)
        #expect(outcomes.map(\.jobID) == (0..<5).map { bytes("o\($0)") })
        #expect(outcomes.map(\.generation) == [1, 2, 3, 4, 5])
    }

    @Test func timeoutKillsTheChildAndItsGroup() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("pids").path
        let harness = try Harness(RunnerConfig(timeoutMs: 200))
        let started = Date()
        // The shell records its own pid and that of a background sleep it started.
        let success = harness.run(shell("sleep 5 & echo $$ $! > '\(pidFile)'; wait"))
        #expect(success == false)
        #expect(Date().timeIntervalSince(started) < 3)
        let pids = try String(contentsOfFile: pidFile, encoding: .utf8).split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(pids.count == 2)
        #expect(!processIsAlive(pids[0]))
        // The grandchild was killed with the group; its zombie belongs to its new parent.
        #expect(eventually(within: 3) { !processIsAlive(pids[1]) })
        #expect(harness.log.all.contains { $0.hasPrefix("[WARN] runner: job job exceeded 200 ms, killing pid \(pids[0])") })
        #expect(harness.log.all.contains("[DEBUG] runner: job job pid \(pids[0]) ended: killed by signal 9 after exceeding 200 ms"))
    }

    @Test func runsWithinTheTimeoutAreUnaffected() throws {
        let harness = try Harness(RunnerConfig(timeoutMs: 5_000))
        #expect(harness.run(shell("sleep 0.05")) == true)
        #expect(harness.run(shell("exit 1")) == false)
    }

    @Test func coreOverflowQueueKeepsOrderWhenTheRingIsFull() throws {
        let harness = try Harness(RunnerConfig(concurrency: 1), ringCapacity: 2, start: false)
        for index in 0..<12 { harness.submit(direct("true"), id: "q\(index)") }
        harness.pool.start()
        let outcomes = harness.awaitOutcomes(12)
        #expect(outcomes.map(\.generation) == Array(1...12))
        #expect(outcomes.allSatisfy { $0.success })
    }

    @Test func outcomesBeyondTheRingWaitOnTheRunnerSide() throws {
        let harness = try Harness(RunnerConfig(concurrency: 1), ringCapacity: 2)
        for round in 0..<4 {
            for index in 0..<2 { harness.submit(direct(index == 0 ? "true" : "false"), id: "r\(round)") }
            // Not draining: every outcome past the second must wait in the runner's backlog.
            #expect(eventually { harness.endedRuns == 2 * (round + 1) })
        }
        let outcomes = harness.awaitOutcomes(8)
        #expect(outcomes.map(\.generation) == Array(1...8))
        #expect(outcomes.map(\.success) == [true, false, true, false, true, false, true, false])
    }

    @Test func manyShortRunsThroughSmallRingsLoseNothing() throws {
        let harness = try Harness(RunnerConfig(concurrency: 8), ringCapacity: 16)
        for index in 0..<300 {
            harness.submit(index % 5 == 0 ? direct("false") : direct("true"), id: "m\(index)")
            if index % 50 == 0 { harness.drain() }
        }
        let outcomes = harness.awaitOutcomes(300, within: 60)
        #expect(outcomes.count == 300)
        #expect(Set(outcomes.map(\.generation)) == Set(1...300))
        #expect(outcomes.allSatisfy { $0.success == ((Int($0.generation) - 1) % 5 != 0) })
        #expect(outcomes.allSatisfy { $0.jobID == bytes("m\($0.generation - 1)") })
    }

    @Test func shutdownKillsRunningChildrenAfterGraceAndDropsWaitingOnes() throws {
        let harness = try Harness(RunnerConfig(concurrency: 1))
        for index in 0..<3 { harness.submit(shell("sleep 5"), id: "z\(index)") }
        #expect(eventually {
            harness.stats.executionsInflight.load(ordering: .relaxed) == 1 && harness.stats.executionsPending.load(ordering: .relaxed) == 2
        })
        let started = Date()
        harness.pool.shutdown(graceMs: 100)
        let took = Date().timeIntervalSince(started)
        #expect(took >= 0.1 && took < 3)
        harness.drain()
        #expect(harness.outcomes == [ExecutionOutcome(jobID: bytes("z0"), generation: 1, success: false)])
        #expect(harness.stats.executionsInflight.load(ordering: .relaxed) == 0)
        #expect(harness.stats.executionsPending.load(ordering: .relaxed) == 0)
        // Submitting after shutdown is harmless and never produces an outcome.
        harness.submit(shell("true"))
        harness.drain()
        #expect(harness.outcomes.count == 1)
    }

    @Test func shutdownLetsRunsFinishWithinGrace() throws {
        let harness = try Harness()
        harness.submit(shell("sleep 0.2"))
        #expect(eventually { harness.stats.executionsInflight.load(ordering: .relaxed) == 1 })
        let started = Date()
        harness.pool.shutdown(graceMs: 10_000)
        #expect(Date().timeIntervalSince(started) < 5)
        harness.drain()
        #expect(harness.outcomes == [ExecutionOutcome(jobID: bytes("job"), generation: 1, success: true)])
    }

    @Test func outcomesLeftInTheBacklogAtShutdownAreStillDelivered() throws {
        let harness = try Harness(RunnerConfig(concurrency: 4), ringCapacity: 2)
        for round in 0..<3 {
            // Two at a time, so every submission fits the ring and nothing waits core-side.
            for index in 0..<2 { harness.submit(direct("true"), id: "b\(round).\(index)") }
            #expect(eventually { harness.endedRuns == 2 * (round + 1) })
        }
        harness.pool.shutdown(graceMs: 0)
        harness.drain()
        #expect(Set(harness.outcomes.map(\.generation)) == Set(1...6))
        #expect(harness.outcomes.count == 6)
    }

    @Test func shutdownWithoutStartAndTwiceIsHarmless() throws {
        let harness = try Harness(start: false)
        harness.submit(direct("true"))
        harness.pool.shutdown(graceMs: 0)
        harness.pool.shutdown(graceMs: 0)
        harness.pool.start()
        harness.drain()
        #expect(harness.outcomes.isEmpty)
    }
}
