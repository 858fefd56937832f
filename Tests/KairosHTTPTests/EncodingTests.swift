import KairosHTTP
import KairosProtocol
import Testing

@Suite("JSON output, RFC 3339, percent-decoding")
struct EncodingTests {
    func string(_ input: Bytes) -> String {
        var out: [UInt8] = []
        KairosProtocol.JSONEncoder.appendString(input, to: &out)
        return text(out)
    }

    @Test func jsonStrings() {
        #expect(string(bytes("plain id")) == "\"plain id\"")
        #expect(string(bytes("q\"b\\s/\n\r\t\u{1}\u{7F}é")) == "\"q\\\"b\\\\s/\\n\\r\\t\\u0001\\u007fé\"")
        // Bytes that are not UTF-8 become U+FFFD (documented: such ids do not round-trip).
        #expect(string([0x61, 0xFF, 0x62]) == "\"a\u{FFFD}b\"")
    }

    @Test func ruleArgs() {
        var out: [UInt8] = []
        KairosProtocol.JSONEncoder.appendRule(
            id: bytes("r"), pattern: bytes("p"), runner: .awf(workflow: bytes("wf"), inputs: [bytes("a=1")]), withArgs: true, to: &out)
        #expect(text(out) == "{\"id\":\"r\",\"pattern\":\"p\",\"runner\":\"awf\",\"args\":[\"wf\",\"--input\",\"a=1\"]}")
    }

    @Test(arguments: [
        ("2099-12-31T23:59:59Z", Int64(4_102_444_799_000_000_000)),
        ("1970-01-01T00:00:00z", 0),
        ("1970-01-01t00:00:00.000000001Z", 1),
        ("1970-01-01T00:00:00.1234567899Z", 123_456_789),
        ("1970-01-01T02:00:00+02:00", 0),
        ("1969-12-31T23:00:00-01:00", 0),
        ("1969-12-31T23:59:59Z", -1_000_000_000),
        ("2024-02-29T12:00:00Z", 1_709_208_000_000_000_000),
    ])
    func rfc3339(_ input: String, _ expected: Int64) {
        #expect(Timestamp.parseRFC3339(bytes(input)) == expected)
    }

    @Test(arguments: [
        "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z", "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00+0100", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00Zjunk", "9999-12-31T23:59:59Z",
        "+026-01-01T00:00:00Z", "2026-1-01T00:00:00Z",
    ])
    func rfc3339Refusals(_ input: String) {
        #expect(Timestamp.parseRFC3339(bytes(input)) == nil)
    }

    @Test func percentDecoding() {
        #expect(PercentDecoding.decode(bytes("a%20b%2f%2F+%00")) == bytes("a b//+") + [0])
        #expect(PercentDecoding.decode(bytes("%ff")) == [0xFF])
        #expect(PercentDecoding.decode(bytes("%")) == nil)
        #expect(PercentDecoding.decode(bytes("%2")) == nil)
        #expect(PercentDecoding.decode(bytes("%g0")) == nil)
    }
}
