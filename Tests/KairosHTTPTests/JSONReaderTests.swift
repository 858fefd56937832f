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
        #expect(JSONReader.parse(bytes("1.0"))?.int64 == nil)
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
