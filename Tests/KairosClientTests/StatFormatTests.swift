import Glibc
import Testing

@testable import KairosClient

/// STAT as a table and as JSON, and the printer's stdout/stderr bytes.
@Suite struct StatFormatTests {
    private let records: [[UInt8]] = [
        "uptime_ns 93784000000000", "connections 1", "jobs_total 12", "persistence logfile",
        "compression idle", "auth_enabled 0", "framerate 512",
    ].map { Array($0.utf8) }

    @Test func table() {
        let expected = """
            uptime_ns     93784000000000  (1d 2h 3m 4s)
            connections                1
            jobs_total                12
            persistence   logfile
            compression   idle
            auth_enabled               0
            framerate                512

            """
        #expect(StatFormat.table(records) == expected)
    }

    @Test func json() {
        let expected = #"{"uptime_ns":93784000000000,"connections":1,"jobs_total":12,"persistence":"logfile","compression":"idle","auth_enabled":0,"framerate":512}"# + "\n"
        #expect(StatFormat.json(records) == expected)
    }

    @Test func jsonKeepsNonNumbersAsEscapedStrings() {
        let odd: [[UInt8]] = [Array("a 007".utf8), Array("b -3".utf8), Array("c \"q\"\\\t".utf8), Array("d".utf8), [0x65, 0x20, 0x01]]
        #expect(StatFormat.json(odd) == #"{"a":"007","b":-3,"c":"\"q\"\\\t","d":"","e":"\u0001"}"# + "\n")
    }

    @Test func durations() {
        #expect(StatFormat.duration(0) == "0s")
        #expect(StatFormat.duration(59_999_999_999) == "59s")
        #expect(StatFormat.duration(3_600_000_000_000) == "1h 0m 0s")
    }

    /// Runs `body` with a printer writing into pipes; returns (stdout, stderr).
    private func capture(_ style: AnswerPrinter.StatStyle, placeholders: Bool, _ body: (AnswerPrinter) -> Void) -> (String, String, Int) {
        var out: [CInt] = [0, 0]
        var err: [CInt] = [0, 0]
        pipe(&out)
        pipe(&err)
        let printer = AnswerPrinter(statStyle: style, placeholders: placeholders, output: out[1], errors: err[1])
        body(printer)
        printer.flush()
        close(out[1])
        close(err[1])
        func drain(_ fd: CInt) -> String {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4_096)
            while true {
                let count = read(fd, &chunk, chunk.count)
                if count <= 0 { break }
                bytes += chunk[..<count]
            }
            close(fd)
            return String(decoding: bytes, as: UTF8.self)
        }
        return (drain(out[0]), drain(err[0]), printer.failures)
    }

    @Test func printerInPipeMode() throws {
        let (out, err, failures) = capture(.lines, placeholders: true) { printer in
            printer.sent(1, try! ClientRequest.fromArguments(["GET", "a"]))
            printer.sent(2, try! ClientRequest.fromArguments(["FOO"]))
            printer.sent(3, try! ClientRequest.fromArguments(["QUERY"]))
            printer.handle(.finished(sequence: 1, .ok(Array("OK planned 5".utf8))))
            printer.handle(.finished(sequence: 2, .noAnswer))
            printer.handle(.record(sequence: 3, body: Array("a planned 5".utf8)))
            printer.handle(.finished(sequence: 3, .ok(Array("OK".utf8))))
            printer.handle(.finished(sequence: 4, .notSent("line 4: unterminated quote")))
            printer.handle(.finished(sequence: 5, .error(Array("ERROR".utf8))))
        }
        #expect(out == "OK planned 5\n(no answer)\na planned 5\nOK\n(not sent)\nERROR\n")
        #expect(err == "kairos cli: no answer to \"FOO\" (the server does not answer malformed requests)\nkairos cli: line 4: unterminated quote\n")
        #expect(failures == 3)
    }

    @Test func printerStatJSONAndTimeouts() throws {
        let (out, err, failures) = capture(.json, placeholders: false) { printer in
            printer.sent(1, try! ClientRequest.fromArguments(["stat"]))
            printer.handle(.record(sequence: 1, body: Array("connections 1".utf8)))
            printer.handle(.record(sequence: 1, body: Array("persistence memory".utf8)))
            printer.handle(.finished(sequence: 1, .ok(Array("OK".utf8))))
            printer.sent(2, try! ClientRequest.fromArguments(["GET"]))
            printer.handle(.finished(sequence: 2, .timedOut(2_000)))
            printer.handle(.finished(sequence: 3, .timedOut(2_000)))
        }
        #expect(out == "{\"connections\":1,\"persistence\":\"memory\"}\n")
        #expect(err == "kairos cli: no answer to \"GET\" within 2000 ms (the server does not answer malformed requests)\n")
        #expect(failures == 2)
    }
}
