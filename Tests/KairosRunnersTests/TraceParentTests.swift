import KairosProtocol
import KairosSystem
import Synchronization
import Testing
@testable import KairosRunners

/// The W3C `traceparent` of http runs (D-telemetry): exact bytes of the value type, and the
/// header as a real peer receives it.
@Suite struct TraceParentTests {
    /// The example of the W3C Trace Context specification, byte for byte.
    @Test func headerValueIsVersionTraceSpanFlagsInLowercaseHex() throws {
        let parent = try #require(TraceParent(traceHigh: 0x4BF9_2F35_77B3_4DA6, traceLow: 0xA3CE_929D_0E0E_4736, spanID: 0x00F0_67AA_0BA9_02B7))
        #expect(parent.headerValue == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(parent.headerLine == "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(parent.traceIDBytes == [0x4B, 0xF9, 0x2F, 0x35, 0x77, 0xB3, 0x4D, 0xA6, 0xA3, 0xCE, 0x92, 0x9D, 0x0E, 0x0E, 0x47, 0x36])
        #expect(parent.spanIDBytes == [0x00, 0xF0, 0x67, 0xAA, 0x0B, 0xA9, 0x02, 0xB7])
        let unsampled = try #require(TraceParent(traceHigh: 0, traceLow: 1, spanID: 0xFFFF_FFFF_FFFF_FFFF, sampled: false))
        #expect(unsampled.headerValue == "00-00000000000000000000000000000001-ffffffffffffffff-00")
        #expect(unsampled.headerValue.utf8.count == 55)
    }

    @Test func allZeroIdsAreInvalid() {
        #expect(TraceParent(traceHigh: 0, traceLow: 0, spanID: 1) == nil)
        #expect(TraceParent(traceHigh: 1, traceLow: 0, spanID: 0) == nil)
        #expect(TraceParent(traceHigh: 1, traceLow: 0, spanID: 1) != nil)
    }

    /// A generator whose first draws are zero: `random` draws again instead of making an
    /// invalid id.
    @Test func randomNeverMakesAZeroId() {
        struct Scripted: RandomNumberGenerator {
            var values: [UInt64]
            mutating func next() -> UInt64 { values.removeFirst() }
        }
        var scripted = Scripted(values: [0, 0, 5, 7, 8, 9])
        let parent = TraceParent.random(using: &scripted)
        #expect(parent == TraceParent(traceHigh: 7, traceLow: 8, spanID: 9))
        var random = SplitMix64(seed: 42)
        let first = TraceParent.random(using: &random)
        let second = TraceParent.random(using: &random)
        #expect(first != second)
    }

    @Test func theHeaderFollowsTheBodyHeadersOnlyWhenThereIsAParent() throws {
        let parent = try #require(TraceParent(traceHigh: 1, traceLow: 2, spanID: 3))
        let line = "traceparent: 00-00000000000000010000000000000002-0000000000000003-01"
        let post = try HTTPRequest.make(method: bytes("POST"), url: bytes("http://h/"), jobID: bytes("j"), execution: 1, traceParent: parent).get()
        #expect(post.headers == ["Content-Type: application/json", "Expect:", line])
        let get = try HTTPRequest.make(method: bytes("GET"), url: bytes("http://h/"), jobID: bytes("j"), execution: 1, traceParent: parent).get()
        #expect(get.headers == [line])
        let plain = try HTTPRequest.make(method: bytes("DELETE"), url: bytes("http://h/"), jobID: bytes("j"), execution: 1).get()
        #expect(plain.headers == [])
        #expect(try HTTPRequest.make(method: bytes("PUT"), url: bytes("http://h/"), jobID: bytes("j"), execution: 1).get().headers
            == ["Content-Type: application/json", "Expect:"])
    }

    /// The recording peer sees the header after the body headers, for a run that carries a
    /// parent, and the next run on the same (recycled) handle without one sends none.
    @Test func aRealPeerReceivesTheHeaderOnceOnly() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        let parent = try #require(TraceParent(traceHigh: 0xAB, traceLow: 0xCD, spanID: 0xEF))
        driver.client.start(NetworkCall(
            id: 100, jobID: bytes("t.1"), scheduledAt: 1, runner: .http(method: bytes("POST"), url: bytes(recorder.url("/a"))),
            traceParent: parent))
        #expect(driver.awaitResults([100])[0]?.success == true)
        #expect(driver.run("GET", recorder.url("/b"))?.success == true)
        let requests = recorder.requests
        try #require(requests.count == 2)
        #expect(requests[0].headers.suffix(3) == [
            ["Content-Type", "application/json"],
            ["traceparent", "00-00000000000000ab00000000000000cd-00000000000000ef-01"],
            ["Content-Length", "30"],
        ])
        #expect(requests[0].header("traceparent") == "00-00000000000000ab00000000000000cd-00000000000000ef-01")
        #expect(requests[1].header("traceparent") == nil)
        #expect(requests[1].headers.count == 3)
    }
}

/// The observer's ids travel with a network run through the real runner loop: the http peer
/// receives them and the finished run reports the same ones; a process run gets none.
@Suite struct TraceParentRunnerLoopTests {
    final class Observer: RunObserver {
        private let state = Mutex<(next: UInt64, runs: [FinishedRun])>((0, []))

        func newTraceParent() -> TraceParent? {
            state.withLock { state in
                state.next += 1
                return TraceParent(traceHigh: 0x1111, traceLow: state.next, spanID: 0x2222 + state.next)
            }
        }

        func runEnded(_ run: FinishedRun) { state.withLock { $0.runs.append(run) } }

        var finished: [FinishedRun] { state.withLock { $0.runs } }
    }

    @Test func theHttpPeerAndTheFinishedRunSeeTheSameIds() throws {
        let recorder = try HTTPRecorder()
        let observer = Observer()
        var config = RunnerConfig()
        config.runObserver = observer
        let harness = try Harness(config)
        #expect(harness.run(.http(method: bytes("POST"), url: bytes(recorder.url("/traced")))) == true)
        #expect(harness.run(direct("/bin/true")) == true)
        let finished = observer.finished
        try #require(finished.count == 2)
        let parent = try #require(finished[0].traceParent)
        #expect(parent == TraceParent(traceHigh: 0x1111, traceLow: 1, spanID: 0x2223))
        #expect(recorder.requests.map { $0.header("traceparent") } == ["00-00000000000011110000000000000001-0000000000002223-01"])
        #expect(finished[1].kind == "process" && finished[1].traceParent == nil)
    }
}
