import KairosProtocol
import Testing
@testable import KairosRunners

/// The http runner's pure parts (D-network-runners): the body, the headers, the User-Agent, URL masking and
/// the outcome mapping, byte for byte.
@Suite struct HTTPRequestTests {
    private func text(_ bytes: Bytes?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    @Test func bodyHasExactlyTheTwoKeysInOrderWithoutWhitespace() {
        #expect(text(HTTPRequest.body(jobID: bytes("deploy.v1"), execution: 1_775_008_800_000_000_000))
            == #"{"job_id":"deploy.v1","execution":1775008800000000000}"#)
        #expect(text(HTTPRequest.body(jobID: bytes("old"), execution: -1_000_000_000)) == #"{"job_id":"old","execution":-1000000000}"#)
        #expect(text(HTTPRequest.body(jobID: [], execution: 0)) == #"{"job_id":"","execution":0}"#)
    }

    @Test func jobIDsAreJSONEscapedLikeTheDump() {
        let id: Bytes = bytes("a\"b\\c\nd\re\tf") + [0x01, 0x1F, 0x7F] + bytes("é")
        let expected: Bytes = bytes(#"{"job_id":"a\"b\\c\nd\re\tf\u0001\u001f"#) + [0x7F] + bytes("é") + bytes(#"","execution":5}"#)
        #expect(HTTPRequest.body(jobID: id, execution: 5) == expected)
    }

    @Test func postAndPutCarryTheBodyGetAndDeleteDoNot() throws {
        let body = bytes(#"{"job_id":"j","execution":7}"#)
        for (method, expected) in [("POST", HTTPRequest.Method.post), ("PUT", .put)] {
            let request = try HTTPRequest.make(method: bytes(method), url: bytes("http://h/x"), jobID: bytes("j"), execution: 7).get()
            #expect(request == HTTPRequest(method: expected, url: bytes("http://h/x"), body: body))
        }
        for (method, expected) in [("GET", HTTPRequest.Method.get), ("DELETE", .delete)] {
            let request = try HTTPRequest.make(method: bytes(method), url: bytes("http://h/x"), jobID: bytes("j"), execution: 7).get()
            #expect(request == HTTPRequest(method: expected, url: bytes("http://h/x"), body: nil))
        }
        #expect(HTTPRequest.bodyHeaders == ["Content-Type: application/json", "Expect:"])
    }

    @Test func unknownMethodsAndNULBytesAreRefused() {
        #expect(HTTPRequest.make(method: bytes("PATCH"), url: bytes("http://h/"), jobID: [], execution: 0) == .failure(.method("PATCH")))
        #expect(HTTPRequest.make(method: bytes("post"), url: bytes("http://h/"), jobID: [], execution: 0) == .failure(.method("post")))
        #expect(HTTPRequest.make(method: bytes("GET"), url: bytes("http://h/") + [0] + bytes("x"), jobID: [], execution: 0) == .failure(.nulInURL))
        #expect(HTTPRequest.Refusal.method("PATCH").description == "unsupported method PATCH")
        #expect(HTTPRequest.Refusal.nulInURL.description == "the URL contains a NUL byte")
    }

    @Test func userAgentNamesTheVersion() {
        #expect(HTTPRequest.userAgent() == "kairos/\(KairosVersion.current)")
        #expect(HTTPRequest.userAgent(version: "9.8.7") == "kairos/9.8.7")
    }

    @Test(arguments: [
        ("https://user:secret@example.com:8443/hook?x=1", "https://***@example.com:8443/hook?x=1"),
        ("http://token@example.com/", "http://***@example.com/"),
        ("http://u:p@ss@example.com/x", "http://***@example.com/x"),
        ("http://:@example.com", "http://***@example.com"),
        ("http://example.com/a@b", "http://example.com/a@b"),
        ("http://example.com?to=a@b", "http://example.com?to=a@b"),
        ("http://example.com#a@b", "http://example.com#a@b"),
        ("http://example.com", "http://example.com"),
        ("not a url @ all", "not a url @ all"),
    ])
    func userinfoIsMasked(url: String, masked: String) {
        #expect(HTTPURLMask.masked(bytes(url)) == masked)
    }

    @Test func scrubRemovesEveryFormOfTheCredentials() {
        let url = bytes("https://alice:s%40cret@example.com/x")
        #expect(HTTPURLMask.scrub("auth alice:s%40cret failed for alice with s@cret and s%40cret", url: url)
            == "auth *** failed for *** with *** and ***")
        #expect(HTTPURLMask.scrub("Could not resolve host: example.com", url: url) == "Could not resolve host: example.com")
        #expect(HTTPURLMask.scrub("alice", url: bytes("https://example.com/alice")) == "alice")
    }

    @Test func twoHundredsSucceedEverythingElseFails() {
        for status in [200, 201, 204, 299] {
            #expect(HTTPOutcome.response(status: status, target: "POST http://h/x") == .succeeded("POST http://h/x: HTTP \(status)"))
        }
        for status in [0, 100, 199, 300, 301, 304, 404, 500, 503] {
            #expect(HTTPOutcome.response(status: status, target: "GET http://h/x") == .failed("GET http://h/x: HTTP \(status)"))
        }
        #expect(HTTPOutcome.transport("Couldn't connect to server", target: "GET http://h/") == .failed("GET http://h/: Couldn't connect to server"))
        #expect(HTTPOutcome.target(method: "PUT", url: bytes("http://u:p@h/x")) == "PUT http://***@h/x")
    }
}
