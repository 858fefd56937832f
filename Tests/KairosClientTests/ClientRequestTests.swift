import Testing

@testable import KairosClient

/// Commands as they go on the wire: tokenizing typed lines, quoting, normalising.
@Suite struct ClientRequestTests {
    private func wire(_ request: ClientRequest?, id: String = "c1") -> String? {
        request.map { String(decoding: $0.line(id: Array(id.utf8)), as: UTF8.self) }
    }

    @Test func argumentsAreQuotedOnlyWhenNeeded() throws {
        let request = try ClientRequest.fromArguments(["RULE", "SET", "r", "", "shell", "echo \"hi\" \\ there", "a\\b"])
        #expect(wire(request) == "c1 RULE SET r \"\" shell \"echo \\\"hi\\\" \\\\ there\" a\\b\n")
        #expect(wire(try ClientRequest.fromArguments(["GET", "line\nbreak"])) == "c1 GET \"line\nbreak\"\n")
    }

    @Test func linesAreTokenizedLikeTheServer() throws {
        #expect(wire(try ClientRequest.fromLine(Array("  SET   job  5 ".utf8))) == "c1 SET job 5\n")
        #expect(wire(try ClientRequest.fromLine(Array("GET \"a b\"".utf8))) == "c1 GET \"a b\"\n")
        #expect(wire(try ClientRequest.fromLine(Array("SET j \"2026-04-01 02:00:00\"".utf8))) == "c1 SET j \"2026-04-01 02:00:00\"\n")
        #expect(wire(try ClientRequest.fromLine(Array("SET j 2026-04-01 02:00:00\r".utf8))) == "c1 SET j 2026-04-01 02:00:00\n")
        #expect(try ClientRequest.fromLine(Array("   ".utf8)) == nil)
        #expect(try ClientRequest.fromLine([]) == nil)
        #expect(throws: RequestError.unterminatedQuote) { try ClientRequest.fromLine(Array("GET \"open".utf8)) }
    }

    @Test func instructionsInAnyCase() throws {
        #expect(wire(try ClientRequest.fromLine(Array("stat".utf8))) == "c1 STAT\n")
        #expect(wire(try ClientRequest.fromArguments(["rule", "set", "r", "p", "shell", "x"])) == "c1 RULE SET r p shell x\n")
        // Unknown words go as typed: the server ignores them, and the client says so.
        #expect(wire(try ClientRequest.fromArguments(["foo", "bar"])) == "c1 foo bar\n")
        // Only the instruction is normalised, never job ids.
        #expect(wire(try ClientRequest.fromArguments(["get", "stat"])) == "c1 GET stat\n")
    }

    @Test func setConvertsRFC3339() throws {
        #expect(wire(try ClientRequest.fromArguments(["set", "a", "2026-12-24T18:00:00Z"])) == "c1 SET a 1798135200000000000\n")
        #expect(wire(try ClientRequest.fromLine(Array("SET a 2026-12-24T19:30:00.25+01:30".utf8))) == "c1 SET a 1798135200250000000\n")
        // Other forms pass unchanged; GET arguments are never converted.
        #expect(wire(try ClientRequest.fromArguments(["SET", "a", "2026-12-24", "18:00:00"])) == "c1 SET a 2026-12-24 18:00:00\n")
        #expect(wire(try ClientRequest.fromArguments(["GET", "2026-12-24T18:00:00Z"])) == "c1 GET 2026-12-24T18:00:00Z\n")
        #expect(throws: RequestError.invalidTimestamp("2026-02-30T00:00:00Z", .outOfRange)) {
            try ClientRequest.fromArguments(["SET", "a", "2026-02-30T00:00:00Z"])
        }
        #expect(RequestError.invalidTimestamp("2026-12-24T18Z", .malformed).description
            == "invalid timestamp 2026-12-24T18Z: expected an RFC 3339 date-time such as 2026-12-24T18:00:00Z")
    }

    @Test func shapes() throws {
        #expect(try ClientRequest.fromArguments(["query"]).shape == .multi)
        #expect(try ClientRequest.fromArguments(["LISTRULES"]).shape == .multi)
        #expect(try ClientRequest.fromArguments(["STAT"]).shape == .multi)
        #expect(try ClientRequest.fromArguments(["STAT"]).isStat)
        #expect(try ClientRequest.fromArguments(["GET", "a"]).shape == .single)
        #expect(try ClientRequest.fromArguments(["FOO"]).shape == .single)
    }

    @Test func refusesWhatTheServerWouldCloseOn() throws {
        let long = String(repeating: "x", count: 4_080)
        #expect(throws: RequestError.tooLong(4_106)) { try ClientRequest.fromArguments(["GET", long]) }
        #expect(try ClientRequest.fromArguments(["GET", String(repeating: "x", count: 4_000)]).tokens.count == 2)
    }

    @Test func messagesNeverShowAnAuthSecret() throws {
        #expect(try ClientRequest.fromLine(Array("auth \"my secret\"".utf8))?.text == "auth ***")
        #expect(try ClientRequest.fromArguments(["GET", "a b"]).text == "GET \"a b\"")
        #expect(InteractiveShell.authSecret("AUTH \"my secret\"") == "my secret")
        #expect(InteractiveShell.authSecret("auth s3") == "s3")
        #expect(InteractiveShell.authSecret("author x") == nil)
        #expect(InteractiveShell.authSecret("auth a b") == nil)
    }
}
