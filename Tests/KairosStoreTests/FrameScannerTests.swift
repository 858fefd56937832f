import Testing
@testable import KairosStore

@Suite struct FrameScannerTests {
    private func scan(_ bytes: [UInt8]) -> (frames: [[UInt8]], consumed: Int, tail: Int) {
        bytes.withUnsafeBytes { raw in
            var scanner = FrameScanner(raw)
            var frames: [[UInt8]] = []
            while let frame = scanner.next() {
                #expect(frame.frame.count == frame.payload.count + 4)
                frames.append(Array(frame.payload))
            }
            return (frames, scanner.consumed, scanner.tailLength)
        }
    }

    @Test func splitsFramesAndReportsTheTail() {
        let bytes = hex("00 00 00 02 aa bb  00 00 00 00  00 00 00 03 01 02")
        let result = scan(bytes)
        #expect(result.frames == [[0xaa, 0xbb], []])
        #expect(result.consumed == 10)
        #expect(result.tail == 6)
    }

    @Test func everySplitOfAFrameIsIncomplete() {
        let frame = hex("00 00 00 03 01 02 03")
        for cut in 0..<frame.count {
            let result = scan(Array(frame[0..<cut]))
            #expect(result.frames.isEmpty)
            #expect(result.tail == cut)
        }
        #expect(scan(frame).frames == [[1, 2, 3]])
    }

    @Test func hugeLengthIsIncompleteNotACrash() {
        let result = scan(hex("ff ff ff ff 00 01"))
        #expect(result.frames.isEmpty)
        #expect(result.tail == 6)
    }
}
