import Foundation
import KairosProtocol
import Testing
@testable import KairosRunners

/// The http runner against a real HTTP/1.1 server (Fixtures/http-recorder.py) that records
/// what it received: exact request bytes, the outcome mapping, faults, keep-alive.
@Suite(.serialized) struct HTTPClientTests {
    private let userAgent = "kairos/\(KairosVersion.current)"
    private let body = #"{"job_id":"job.1","execution":1775008800000000000}"#

    @Test func postSendsExactlyTheJSONBodyAndHeaders() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        #expect(driver.run("POST", recorder.url("/hook?a=1")) == .succeeded("POST \(recorder.url("/hook?a=1")): HTTP 200"))
        #expect(recorder.requests == [RecordedRequest(
            connection: 1, requestLine: "POST /hook?a=1 HTTP/1.1",
            headers: [
                ["Host", "127.0.0.1:\(recorder.port)"], ["User-Agent", userAgent], ["Accept", "*/*"],
                ["Content-Type", "application/json"], ["Content-Length", "\(body.utf8.count)"],
            ],
            body: body)])
    }

    @Test func putSendsTheSameBodyUnderItsOwnMethod() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        #expect(driver.run("PUT", recorder.url("/jobs/1"))?.success == true)
        let seen = try #require(recorder.requests.first)
        #expect(seen.requestLine == "PUT /jobs/1 HTTP/1.1")
        #expect(seen.header("Content-Type") == "application/json")
        #expect(seen.body == body)
    }

    @Test func getAndDeleteSendNoBody() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        #expect(driver.run("GET", recorder.url("/ping"))?.success == true)
        #expect(driver.run("DELETE", recorder.url("/jobs/1"))?.success == true)
        let headers = [["Host", "127.0.0.1:\(recorder.port)"], ["User-Agent", userAgent], ["Accept", "*/*"]]
        #expect(recorder.requests == [
            RecordedRequest(connection: 1, requestLine: "GET /ping HTTP/1.1", headers: headers, body: ""),
            RecordedRequest(connection: 1, requestLine: "DELETE /jobs/1 HTTP/1.1", headers: headers, body: ""),
        ])
    }

    @Test func jobIDsArriveJSONEscaped() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        #expect(driver.run("POST", recorder.url("/"), jobID: bytes("a \"quoted\"\\id\n")) != nil)
        #expect(recorder.requests.map(\.body) == [#"{"job_id":"a \"quoted\"\\id\n","execution":1775008800000000000}"#])
    }

    @Test(arguments: [(200, true), (204, true), (301, false), (404, false), (500, false)])
    func statusCodesMapToOutcomes(status: Int, success: Bool) throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        let url = recorder.url("/status/\(status)")
        #expect(driver.run("POST", url) == NetworkResult(success: success, detail: "POST \(url): HTTP \(status)"))
        // A redirect is not followed: the recorder saw the one request only.
        #expect(recorder.requests.map(\.requestLine) == ["POST /status/\(status) HTTP/1.1"])
    }

    @Test func connectionRefusedFails() throws {
        let port = try unusedHTTPPort()
        let driver = try HTTPClientDriver()
        let url = "http://127.0.0.1:\(port)/x"
        let result = try #require(driver.run("POST", url))
        #expect(!result.success)
        #expect(result.detail.hasPrefix("POST \(url): Failed to connect to 127.0.0.1 port \(port)"), "\(result.detail)")
        #expect(result.detail.hasSuffix("Couldn't connect to server"), "\(result.detail)")
    }

    @Test(arguments: ["http://", "http://127.0.0.1:99999/x", "http://exa mple.com/"])
    func aBadURLFailsAtRunTime(url: String) throws {
        let driver = try HTTPClientDriver()
        #expect(driver.run("GET", url) == .failed("GET \(url): URL using bad/illegal format or missing URL"))
        #expect(driver.watchedCount == 0)
    }

    @Test func unknownHostFails() throws {
        let driver = try HTTPClientDriver()
        #expect(driver.run("GET", "http://kairos-test.invalid/x")
            == .failed("GET http://kairos-test.invalid/x: Could not resolve host: kairos-test.invalid"))
    }

    @Test func aServerThatNeverAnswersTimesOut() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver(limits: CurlEasy.Limits(connectMs: 1_000, totalMs: 300))
        let started = Date()
        let result = try #require(driver.run("POST", recorder.url("/hang")))
        #expect(!result.success)
        #expect(result.detail.hasPrefix("POST \(recorder.url("/hang")): Operation timed out after "), "\(result.detail)")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func aHungRunDoesNotHoldUpOthers() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        let hung = driver.start("POST", recorder.url("/hang"))
        let refusedPort = try unusedHTTPPort()
        let others = [
            driver.start("POST", recorder.url("/ok/1")), driver.start("GET", "http://127.0.0.1:\(refusedPort)/"),
            driver.start("PUT", recorder.url("/ok/2")),
        ]
        let results = driver.awaitResults(others, within: 5)
        #expect(results.map { $0?.success } == [true, false, true])
        #expect(driver.results[hung] == nil)
        driver.client.cancel(hung)
    }

    @Test func aServerThatClosesMidResponseFails() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        let url = recorder.url("/truncate")
        #expect(driver.run("GET", url) == .failed("GET \(url): transfer closed with 90 bytes remaining to read"))
    }

    @Test func credentialsGoToTheServerButNotIntoTheDetail() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        let url = "http://hook:s3cret@127.0.0.1:\(recorder.port)/status/503"
        #expect(driver.run("POST", url) == .failed("POST http://***@127.0.0.1:\(recorder.port)/status/503: HTTP 503"))
        // libcurl turns URL userinfo into Basic authentication.
        #expect(recorder.requests.first?.header("Authorization") == "Basic \(Data("hook:s3cret".utf8).base64EncodedString())")
        let refusedPort = try unusedHTTPPort()
        let refused = try #require(driver.run("GET", "http://hook:s3cret@127.0.0.1:\(refusedPort)/"))
        #expect(!refused.detail.contains("s3cret") && !refused.detail.contains("hook"))
        #expect(refused.detail.hasPrefix("GET http://***@127.0.0.1:\(refusedPort)/: "))
    }

    @Test func runsToTheSameHostShareOneConnection() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        for index in 0..<5 {
            #expect(driver.run("POST", recorder.url("/run/\(index)"))?.success == true)
        }
        #expect(recorder.requests.map(\.connection) == [1, 1, 1, 1, 1])
    }

    @Test func concurrentRunsAllEndAndTheirConnectionsAreReusedAfterwards() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        let first = (0..<4).map { driver.start("POST", recorder.url("/burst/\($0)")) }
        #expect(driver.awaitResults(first).allSatisfy { $0?.success == true })
        let opened = Set(recorder.requests.map(\.connection))
        let second = (0..<4).map { driver.start("POST", recorder.url("/again/\($0)")) }
        #expect(driver.awaitResults(second).allSatisfy { $0?.success == true })
        #expect(recorder.requests.count == 8)
        #expect(Set(recorder.requests.map(\.connection)) == opened, "no new connection for the second burst")
    }

    @Test func aKeptAliveConnectionTheServerClosedIsReopened() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        #expect(driver.run("GET", recorder.url("/drop"))?.success == true)
        #expect(driver.run("POST", recorder.url("/after"))?.success == true)
        #expect(driver.run("POST", recorder.url("/again"))?.success == true)
        #expect(recorder.requests.map(\.requestLine) == ["GET /drop HTTP/1.1", "POST /after HTTP/1.1", "POST /again HTTP/1.1"])
        #expect(recorder.requests.map(\.connection) == [1, 2, 2])
    }

    @Test func cancelStopsTheTransferAndTheClientCarriesOn() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        let id = driver.start("POST", recorder.url("/hang"))
        #expect(eventually {
            driver.turn(maxWaitMs: 10)
            return recorder.requests.count == 1
        })
        driver.client.cancel(id)
        driver.client.cancel(id)  // twice, and unknown ids, are ignored
        driver.client.cancel(999)
        #expect(driver.watchedCount == 0, "the cancelled transfer's socket left the epoll set")
        driver.idle(ms: 50)
        #expect(driver.results[id] == nil, "a cancelled call is never reported")
        #expect(driver.run("GET", recorder.url("/next"))?.success == true)
    }

    @Test func closeReleasesEveryTransferAndSocket() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        #expect(driver.run("GET", recorder.url("/one"))?.success == true)
        let hung = driver.start("POST", recorder.url("/hang"))
        #expect(eventually {
            driver.turn(maxWaitMs: 10)
            return recorder.requests.count == 2
        })
        #expect(driver.watchedCount > 0)
        driver.client.close()
        #expect(driver.watchedCount == 0)
        #expect(driver.results[hung] == nil)
        #expect(driver.nextWakeupAfterClose == nil)
        // A start after close ends at once instead of touching freed handles.
        let late = driver.start("GET", recorder.url("/late"))
        #expect(driver.results[late] == .failed("the http runner is closed"))
    }

    @Test func faultsAndCloseLeaveNoDescriptorBehind() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver(limits: CurlEasy.Limits(connectMs: 1_000, totalMs: 300))
        #expect(driver.run("GET", recorder.url("/truncate"))?.success == false)
        #expect(driver.run("GET", recorder.url("/hang"))?.success == false)
        #expect(driver.run("GET", recorder.url("/drop"))?.success == true)
        #expect(driver.run("GET", recorder.url("/status/500"))?.success == false)
        #expect(driver.run("GET", recorder.url("/kept"))?.success == true)
        // Only the kept-alive connection of the last run is still open.
        #expect(socketsConnected(toPort: recorder.port) == 1)
        driver.client.close()
        #expect(socketsConnected(toPort: recorder.port) == 0)
        #expect(driver.watchedCount == 0)
    }

    /// One pooled handle (concurrency 1) serves every run below in turn: a run of another method
    /// or URL resets it, a run of the same rule only replaces the body; either way the server
    /// sees exactly this run's request, with nothing left over from the one before.
    @Test func aPooledHandleCarriesNothingOfTheRunBefore() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver(RunnerConfig(concurrency: 1))
        let runs: [(String, String, String)] = [
            ("POST", "/a", "a.long.job.id"), ("GET", "/a", "g"), ("POST", "/a", "p"), ("POST", "/a", "shorter"),
            ("PUT", "/b", "u"), ("DELETE", "/b", "d"), ("POST", "/a", "again"), ("GET", "/c", "g2"),
        ]
        for (method, path, job) in runs {
            #expect(driver.run(method, recorder.url(path), jobID: bytes(job))?.success == true)
        }
        let plain = [["Host", "127.0.0.1:\(recorder.port)"], ["User-Agent", userAgent], ["Accept", "*/*"]]
        func withBody(_ job: String) -> ([[String]], String) {
            let body = #"{"job_id":""# + job + #"","execution":1775008800000000000}"#
            return (plain + [["Content-Type", "application/json"], ["Content-Length", "\(body.utf8.count)"]], body)
        }
        let expected = runs.map { method, path, job in
            let (headers, body) = method == "POST" || method == "PUT" ? withBody(job) : (plain, "")
            return RecordedRequest(connection: 1, requestLine: "\(method) \(path) HTTP/1.1", headers: headers, body: body)
        }
        #expect(recorder.requests == expected)
        #expect(driver.client.handlesMade == 1)
        // Set up for POST /a, GET /a, POST /a (the next POST reused it), PUT /b, DELETE /b,
        // POST /a, GET /c.
        #expect(driver.client.idleSetups == [7])
    }

    /// A burst of one rule's runs sets each handle up once; the next burst sets up none.
    @Test func aBurstOfOneRuleSetsEachHandleUpOnce() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver(RunnerConfig(concurrency: 4))
        for round in 0..<2 {
            let ids = (0..<4).map { driver.start("POST", recorder.url("/hook"), jobID: bytes("r\(round).\($0)")) }
            #expect(driver.awaitResults(ids).allSatisfy { $0?.success == true })
        }
        #expect(driver.client.handlesMade == 4)
        #expect(driver.client.idleSetups == [1, 1, 1, 1])
        #expect(Set(recorder.requests.map(\.body)) == Set((0..<2).flatMap { round in
            (0..<4).map { #"{"job_id":"r\#(round).\#($0)","execution":1775008800000000000}"# }
        }))
    }

    @Test func anUnsupportedMethodFailsWithoutTouchingTheNetwork() throws {
        let recorder = try HTTPRecorder()
        let driver = try HTTPClientDriver()
        let id = driver.start("PATCH", recorder.url("/x"))
        #expect(driver.results[id] == .failed("PATCH \(recorder.url("/x")): unsupported method PATCH"))
        #expect(recorder.requests.isEmpty)
    }
}

extension HTTPClientDriver {
    var nextWakeupAfterClose: Int64? { client.nextWakeup }
}
