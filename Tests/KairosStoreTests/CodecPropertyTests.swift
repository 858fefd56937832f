import KairosCore
import KairosProtocol
import KairosSystem
import Testing
@testable import KairosStore

/// Random entries with arbitrary bytes (non-UTF-8 included) and edge lengths.
struct EntryGenerator {
    var random: SplitMix64

    mutating func bytes() -> Bytes {
        let length: Int
        switch Int.random(in: 0..<20, using: &random) {
        case 0: length = 0
        case 1: length = 65535
        case 2: length = Int.random(in: 256..<4096, using: &random)
        default: length = Int.random(in: 1..<24, using: &random)
        }
        return (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    mutating func list() -> [Bytes] {
        (0..<Int.random(in: 0..<4, using: &random)).map { _ in bytes() }
    }

    mutating func runner() -> RunnerSpec {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: .shell(command: bytes())
        case 1: .amqp(dsn: bytes(), exchange: bytes(), routingKey: bytes())
        case 2: .direct(executable: bytes(), args: list())
        case 3: .awf(workflow: bytes(), inputs: list())
        case 4: .http(method: bytes(), url: bytes())
        default: .redis(url: bytes(), command: bytes(), key: bytes())
        }
    }

    mutating func entry() -> LogEntry {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: .job(id: bytes(), execution: Int64.random(in: .min ... .max, using: &random),
                     status: JobStatus.allCases.randomElement(using: &random)!)
        case 1: .rule(id: bytes(), pattern: bytes(), runner: runner())
        case 2: .jobRemoval(id: bytes())
        default: .ruleRemoval(id: bytes())
        }
    }
}

@Suite struct CodecPropertyTests {
    @Test func randomEntriesRoundTrip() throws {
        var generator = EntryGenerator(random: SplitMix64(seed: 0x5EED))
        var stream: [UInt8] = []
        var entries: [LogEntry] = []
        for _ in 0..<400 {
            let entry = generator.entry()
            let frame = try LogCodec.encodeFrame(entry)
            let length = Int(frame[0]) << 24 | Int(frame[1]) << 16 | Int(frame[2]) << 8 | Int(frame[3])
            #expect(length == frame.count - 4)
            #expect(try LogDecoder.decode(payload: Array(frame.dropFirst(4))) == entry)
            stream += frame
            entries.append(entry)
        }
        var decoded: [LogEntry] = []
        try stream.withUnsafeBytes { raw in
            var scanner = FrameScanner(raw)
            while let frame = scanner.next() { decoded.append(try LogDecoder.decode(payload: frame.payload)) }
            #expect(scanner.tailLength == 0)
        }
        #expect(decoded == entries)
    }

    @Test func stringLengthLimits() throws {
        let empty = LogEntry.rule(id: [], pattern: [], runner: .shell(command: []))
        #expect(try LogDecoder.decode(payload: Array(LogCodec.encodeFrame(empty).dropFirst(4))) == empty)

        let largest = LogEntry.job(id: Bytes(repeating: 0xff, count: 65535), execution: 1, status: .failed)
        let frame = try LogCodec.encodeFrame(largest)
        #expect(frame.count == 4 + 1 + 2 + 65535 + 8 + 1)
        #expect(Array(frame[5..<7]) == [0xff, 0xff])
        #expect(try LogDecoder.decode(payload: Array(frame.dropFirst(4))) == largest)
    }

    @Test func oversizedFieldIsATypedErrorAndLeavesTheBufferIntact() throws {
        var out = try LogCodec.encodeFrame(.jobRemoval(id: b("kept")))
        let before = out
        let tooLong = Bytes(repeating: 0x41, count: 65536)
        #expect(throws: LogEncodeError.fieldTooLong(length: 65536)) {
            try LogCodec.appendFrame(.job(id: tooLong, execution: 0, status: .planned), to: &out)
        }
        #expect(out == before)
        #expect(throws: LogEncodeError.fieldTooLong(length: 65536)) {
            try LogCodec.appendFrame(.rule(id: b("r"), pattern: b("p"),
                                           runner: .awf(workflow: b("w"), inputs: [b("a"), tooLong])), to: &out)
        }
        #expect(out == before)
        #expect(throws: LogEncodeError.tooManyItems(count: 65536)) {
            try LogCodec.appendFrame(.rule(id: b("r"), pattern: b("p"),
                                           runner: .direct(executable: b("e"), args: Array(repeating: [], count: 65536))), to: &out)
        }
        #expect(out == before)
    }
}
