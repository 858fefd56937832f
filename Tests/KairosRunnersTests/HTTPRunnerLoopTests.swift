import KairosProtocol
import Testing
@testable import KairosRunners

/// http runs through the real runner loop (`NetworkClientFactory.standard`): outcomes, the
/// loop's `timeout_ms` cancelling a transfer, and the shared concurrency limit.
@Suite(.serialized) struct HTTPRunnerLoopTests {
    private func post(_ url: String) -> RunnerSpec { .http(method: bytes("POST"), url: bytes(url)) }

    @Test func aRunEndsExecutedAndIsLogged() throws {
        let recorder = try HTTPRecorder()
        let harness = try Harness()
        #expect(harness.run(post(recorder.url("/ok"))) == true)
        // A substring: the line's level and what follows the detail belong to the runner loop.
        #expect(harness.log.all.contains { $0.contains("runner: job job (http) executed: POST \(recorder.url("/ok")): HTTP 200") })
    }

    @Test func theLoopsTimeoutCancelsAHungTransfer() throws {
        let recorder = try HTTPRecorder()
        let harness = try Harness(RunnerConfig(timeoutMs: 200))
        #expect(harness.run(post(recorder.url("/hang"))) == false)
        #expect(harness.log.all.contains { $0.contains("runner: job job (http) failed: exceeded 200 ms") })
        // The client carries on after the cancel.
        #expect(harness.run(post(recorder.url("/ok"))) == true)
    }

    @Test func manyRunsShareTheConcurrencyLimitAndItsConnections() throws {
        let recorder = try HTTPRecorder()
        let harness = try Harness(RunnerConfig(concurrency: 4))
        for index in 0..<40 { harness.submit(post(recorder.url("/many/\(index)")), id: "many.\(index)") }
        let outcomes = harness.awaitOutcomes(40)
        #expect(outcomes.count == 40)
        #expect(outcomes.allSatisfy { $0.success })
        #expect(recorder.requests.count == 40)
        #expect(Set(recorder.requests.map(\.connection)).count <= 4, "at most one connection per concurrent run")
    }
}
