import KairosHTTP
import KairosProtocol
import Testing

func bytes(_ text: String) -> Bytes { Array(text.utf8) }
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite("JSON reader (strict RFC 8259)")
struct JSONReaderTests {
    @Test func values() {
        #expect(JSONReader.parse(bytes(" {\"a\" : [1, -2.5e3, true, false, null, \"x\"]} ")) ==
            .object([.init(bytes("a"), .array([.number(bytes("1")), .number(bytes("-2.5e3")), .bool(true), .bool(false), .null, .string(bytes("x"))]))]))
        #expect(JSONReader.parse(bytes("\"\\u00e9\\n\\/\\ud83d\\ude00\"")) == .string(bytes("é\n/😀")))
        #expect(JSONReader.parse(bytes("{}")) == .object([]))
        #expect(JSONReader.parse(bytes("[]")) == .array([]))
        #expect(JSONReader.parse(bytes("9223372036854775807"))?.int64 == Int64.max)
        #expect(JSONReader.parse(bytes("9223372036854775808"))?.int64 == nil)
        #expect(JSONReader.parse(bytes("-9223372036854775808"))?.int64 == Int64.min)
        #expect(JSONReader.parse(bytes("1.5"))?.int64 == nil)
        #expect(JSONReader.parse(bytes("1e19"))?.int64 == nil)
        #expect(JSONReader.parse(bytes("1e-1"))?.int64 == nil)
        #expect(JSONReader.parse(bytes("1e999999999999"))?.int64 == nil)
        // JSON Schema's `integer` is about the value: integral spellings are integers.
        for (text, value) in [("512.0", Int64(512)), ("0.5e1", 5), ("-5.00", -5), ("1e3", 1000), ("1E+3", 1000),
                              ("12300e-2", 123), ("0", 0), ("-0", 0), ("0.0e5", 0), ("0e-7", 0), ("00", 0),
                              ("9.223372036854775807e18", Int64.max), ("-9223372036854775808.000", Int64.min)] {
            #expect(JSONValue.number(bytes(text)).int64 == value, "\(text)")
        }
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "-", "1.", ".5", "1e", "+1",
        "tru", "nul", "\"abc", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\u12\"", "1 2", "{\"a\":1,\"a\":2}",
        "\"a\tb\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "'a'", "NaN",
    ])
    func refusals(_ input: String) {
        #expect(JSONReader.parse(bytes(input)) == nil)
    }

    @Test func invalidUTF8IsRefused() {
        #expect(JSONReader.parse([0x22, 0xFF, 0x22]) == nil)
    }

    @Test func randomBytesNeverCrash() {
        let alphabet = bytes("{}[]\":,0123456789.eE+-tfnul \\u\"abc")
        for _ in 0..<3000 {
            let input = (0..<Int.random(in: 0..<40)).map { _ in alphabet.randomElement()! }
            _ = JSONReader.parse(input)
        }
    }
}

@Suite("JSON reader: large bodies stay linear")
struct JSONReaderScaleTests {
    /// 1 MiB of distinct small members (the body limit). Linear, this takes about a second in a
    /// debug build; a quadratic duplicate check would take minutes.
    @Test func manyMembers() {
        var body = bytes("{")
        var index = 0
        while body.count < (1 << 20) - 32 {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += bytes("\"k\(index)\":\(index)")
            index += 1
        }
        body.append(UInt8(ascii: "}"))
        let clock = ContinuousClock()
        let started = clock.now
        guard case .object(let members)? = JSONReader.parse(body) else {
            Issue.record("not parsed")
            return
        }
        #expect(members.count == index)
        #expect(clock.now - started < .seconds(20))
    }
}
