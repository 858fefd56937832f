import Testing
@testable import KairosRunners

@Suite struct PartsTests {
    @Test func fifoQueueKeepsOrderAcrossCompaction() {
        var queue = FIFOQueue<Int>()
        var expected = 0
        for value in 0..<500 {
            queue.append(value)
            if value % 3 == 0 {
                #expect(queue.popFirst() == expected)
                expected += 1
            }
        }
        #expect(queue.count == 500 - expected)
        while let value = queue.popFirst() {
            #expect(value == expected)
            expected += 1
        }
        #expect(expected == 500)
        #expect(queue.isEmpty && queue.first == nil && queue.popFirst() == nil)
    }

    @Test func childExitSucceedsOnlyOnStatusZero() {
        #expect(ChildExit(waitStatus: 0) == .exited(status: 0))
        #expect(ChildExit(waitStatus: 0).isSuccess)
        #expect(ChildExit(waitStatus: 3 << 8) == .exited(status: 3))
        #expect(!ChildExit(waitStatus: 3 << 8).isSuccess)
        #expect(ChildExit(waitStatus: 9) == .signaled(signal: 9))
        #expect(!ChildExit(waitStatus: 9).isSuccess)
        #expect(ChildExit(waitStatus: 9).description == "killed by signal 9")
    }

    @Test func pollTokensRoundTrip() {
        // Generations wrap at 31 bits: the top bit of a token marks network clients.
        let child = ChildToken(slot: 0x7fff_fffe, generation: 0x7fff_ffff)
        for target in [PollTarget.doorbell, .exit(child), .stderr(child), .exit(ChildToken(slot: 0, generation: 1))] {
            #expect(PollTarget(token: target.token) == target)
        }
        #expect(PollTarget.exit(child).token != PollTarget.doorbell.token)
    }

    @Test func childTableRejectsStaleTokens() {
        var table = ChildTable()
        let child = RunningChild(jobID: bytes("a"), generation: 1, pid: 1, pidfd: .init(rawValue: -1), stderr: nil)
        let first = table.insert(child)
        #expect(table.remove(first)?.jobID == bytes("a"))
        let second = table.insert(child)
        #expect(second.slot == first.slot && second.generation != first.generation)
        #expect(table[first] == nil)
        #expect(table.remove(first) == nil)
        #expect(table.count == 1 && table.tokens == [second])
    }

    @Test func stderrCaptureKeepsFourKiBAndCountsTheRest() {
        var capture = StderrCapture()
        let chunk = [UInt8](repeating: 0x61, count: 3000)
        chunk.withUnsafeBytes { capture.append($0) }
        chunk.withUnsafeBytes { capture.append($0) }
        #expect(capture.bytes == [UInt8](repeating: 0x61, count: 4096))
        #expect(capture.dropped == 6000 - 4096)
        #expect(capture.text.hasSuffix(" [1904 more bytes dropped]"))
    }

    @Test func lifecycleWaitsForGraceThenKillsThenAbandons() {
        var lifecycle = RunnerLifecycle()
        #expect(lifecycle.acceptsWork && lifecycle.deadline == nil)
        #expect(lifecycle.advance(now: 0, running: 3) == .none)

        lifecycle.stopRequested(now: 1_000, graceMs: 5)
        #expect(!lifecycle.acceptsWork && lifecycle.deadline == 5_001_000)
        #expect(lifecycle.advance(now: 5_000_999, running: 2) == .none)
        #expect(lifecycle.advance(now: 5_001_000, running: 2) == .killAll)
        #expect(lifecycle.deadline == 5_001_000 + RunnerLifecycle.settleNs)
        #expect(lifecycle.advance(now: 5_001_001, running: 1) == .none)
        #expect(lifecycle.advance(now: 5_001_000 + RunnerLifecycle.settleNs, running: 1) == .abandonAll)
        #expect(lifecycle.isFinished && lifecycle.deadline == nil)
    }

    @Test func lifecycleFinishesAsSoonAsNothingRuns() {
        var lifecycle = RunnerLifecycle()
        lifecycle.stopRequested(now: 0, graceMs: 60_000)
        lifecycle.stopRequested(now: 50, graceMs: 0)  // only the first request counts
        #expect(lifecycle.deadline == 60_000_000_000)
        #expect(lifecycle.advance(now: 10, running: 1) == .none)
        #expect(!lifecycle.isFinished)
        #expect(lifecycle.advance(now: 20, running: 0) == .none)
        #expect(lifecycle.isFinished)
    }
}
