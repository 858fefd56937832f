import Foundation
import Logging
import Testing
@testable import KairosServer

@Suite struct LogLineTests {
    /// 2026-12-07T12:46:32.123Z
    static let instant: Int64 = 1_796_647_592_123_456_789

    @Test func textLinesStartWithAnRFC3339UTCTime() {
        #expect(LogLine.text(timeNs: Self.instant, level: .warning, message: "disk full", metadata: nil)
            == "2026-12-07T12:46:32.123Z [WARN] disk full\n")
        #expect(LogLine.text(timeNs: 0, level: .trace, message: "x", metadata: ["b": "2", "a": "1"])
            == "1970-01-01T00:00:00.000Z [DEBUG] x a=1 b=2\n")
    }

    @Test func timesBeforeTheEpochRoundDown() {
        #expect(LogLine.timestamp(-1) == "1969-12-31T23:59:59.999Z")
    }

    @Test func jsonLinesAreObjectsAJSONParserReads() throws {
        let line = LogLine.json(
            timeNs: Self.instant, level: .error, message: "quote \" slash \\ newline \n bell \u{7} é",
            metadata: ["job": "a.b", "level": "shadowed"])
        #expect(line == "{\"time\":\"2026-12-07T12:46:32.123Z\",\"level\":\"error\",\"message\":\"quote \\\" slash \\\\ newline \\n bell \\u0007 é\",\"job\":\"a.b\"}\n")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(object?["message"] == "quote \" slash \\ newline \n bell \u{7} é")
        #expect(object?["level"] == "error")
    }
}
