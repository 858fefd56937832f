import Glibc
import KairosProtocol
import KairosSync
import KairosSystem
import Testing
@testable import KairosRunners

/// The runner thread rings the core's doorbell for outcomes in batches during a burst, and
/// always before it sleeps: a core asleep in epoll must never be left with outcomes it was not
/// rung for. These tests play the core's part: arm, look at the ring, sleep on the eventfd.
@Suite struct OutcomeSignalTests {
    private func factory(_ record: PipeClient.Record) -> NetworkClientFactory {
        NetworkClientFactory { kind, context in kind == .http ? PipeClient(context, mode: .answer, record: record) : nil }
    }

    private let call = RunnerSpec.http(method: bytes("POST"), url: bytes("http://127.0.0.1:1/"))

    /// Sleeps on the doorbell as the core does: true when it rang within `seconds`.
    private func sleepUntilRung(_ doorbell: Doorbell, seconds: Int32 = 10) -> Bool {
        var entry = pollfd(fd: doorbell.descriptor.rawValue, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, seconds * 1000) == 1 else { return false }
        doorbell.disarm()
        return true
    }

    @Test func aLoneOutcomeRingsTheSleepingCore() throws {
        let doorbell = try Doorbell()
        let harness = try Harness(networkFactory: factory(PipeClient.Record()), outcomeDoorbell: doorbell)
        doorbell.arm()
        harness.submit(call, id: "lone")
        // Far fewer than a batch: only the runner thread's going to sleep can ring for it.
        #expect(sleepUntilRung(doorbell))
        harness.drain()
        #expect(harness.outcomes == [ExecutionOutcome(jobID: bytes("lone"), generation: 1, success: true)])
    }

    @Test func aBurstReachesASleepingCoreWholeAndInFewerRingsThanOutcomes() throws {
        let doorbell = try Doorbell()
        let harness = try Harness(RunnerConfig(concurrency: 64), networkFactory: factory(PipeClient.Record()), outcomeDoorbell: doorbell)
        let count = 2_000
        var rings = 0
        doorbell.arm()
        for index in 0..<count { harness.submit(call, id: "burst.\(index)") }
        // The core's loop: take what the ring holds; sleep only once armed and the ring is empty.
        while harness.outcomes.count < count {
            harness.drain()
            if harness.outcomes.count >= count { break }
            doorbell.arm()
            harness.drain()
            if harness.outcomes.count >= count { break }
            guard sleepUntilRung(doorbell) else { break }
            rings += 1
        }
        #expect(harness.outcomes.count == count)
        #expect(Set(harness.outcomes.map(\.generation)).count == count)
        #expect(harness.outcomes.allSatisfy { $0.success })
        // Rings are counted only while the "core" sleeps; the burst needed far fewer than one
        // per outcome (a ring per outcome would mean no batching at all).
        #expect(rings < count / 4)
    }
}
