import KairosStore

/// Arbitrary bytes through the frame scanner and the payload decoder.
///
/// Properties checked besides "no crash, no hang":
/// - frames are contiguous from offset 0, each within the buffer, and `consumed` plus
///   `tailLength` is the buffer's size (the scanner never reads past it);
/// - the tail really is incomplete: under 4 bytes, or shorter than its announced length;
/// - every payload that decodes re-encodes to exactly its bytes (the decoder is strict and
///   the encoder its inverse, which compaction relies on when it copies frames);
/// - the whole input decoded as one payload obeys the same round trip;
/// - `LogfileInspection` (what replay decides about the bytes, here in memory; `FuzzReplay`
///   does the same on real files, far more slowly) agrees with the scan: intact exactly when
///   every byte is in a complete frame and the first frame decodes, a torn tail only after
///   the last complete frame and within the limit, damage never past that point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    var scanner = FrameScanner(input)
    var expectedStart = 0
    while let frame = scanner.next() {
        check(frame.frame.lowerBound == expectedStart, "frames are not contiguous")
        check(frame.frame.upperBound <= input.count, "frame past the buffer")
        check(frame.payload.count == frame.frame.count - 4, "payload size")
        check(scanner.consumed == frame.frame.upperBound, "consumed lags the frame")
        roundTrip(frame.payload, framed: UnsafeRawBufferPointer(rebasing: input[frame.frame]))
        expectedStart = frame.frame.upperBound
    }
    check(scanner.consumed == expectedStart, "consumed moved without a frame")
    check(scanner.consumed + scanner.tailLength == input.count, "consumed + tail != size")
    let tail = scanner.tailLength
    if tail >= 4 {
        let at = scanner.consumed
        let length = Int(input[at]) << 24 | Int(input[at + 1]) << 16 | Int(input[at + 2]) << 8 | Int(input[at + 3])
        check(tail - 4 < length, "a complete frame was left in the tail")
    }
    roundTrip(input, framed: nil)
    let firstDecodes = FrameScanner.firstPayloadDecodes(input)
    // The real limit, and a small one so that "tail too large" is reachable with short inputs.
    for limit in [Replayer.maxTornTail, 16] {
        checkInspection(input, limit: limit, consumed: scanner.consumed, firstDecodes: firstDecodes)
    }
    return 0
}

private func checkInspection(_ input: UnsafeRawBufferPointer, limit: Int, consumed: Int, firstDecodes: Bool) {
    let verdict = LogfileInspection.inspect(input, maxTornTail: limit)
    let intact = input.isEmpty || (consumed == input.count && firstDecodes)
    switch verdict {
    case .intact:
        check(intact, "intact verdict for bytes that are not all complete frames")
    case .tornTail(let offset):
        check(!intact, "torn tail in an intact file")
        check(offset == consumed && input.count - offset <= limit, "torn tail at \(offset), scan ended at \(consumed)")
        check(offset > 0 || input.count <= limit, "whole file as a torn tail beyond the limit")
    case .damaged(let offset, let reason):
        check(!intact, "damage in an intact file")
        check(offset <= consumed && offset < input.count, "damage at \(offset) past the scan's end \(consumed)")
        if case .notALogfile = reason { check(offset == 0, "notALogfile not at 0") }
        if !firstDecodes && consumed > 0 { check(offset == 0, "a bad first frame must be damage at 0") }
    }
}

extension FrameScanner {
    /// Whether the buffer starts with a complete frame whose payload decodes.
    static func firstPayloadDecodes(_ input: UnsafeRawBufferPointer) -> Bool {
        var scanner = FrameScanner(input)
        guard let first = scanner.next() else { return false }
        return (try? LogDecoder.decode(payload: first.payload)) != nil
    }
}

private func roundTrip(_ payload: UnsafeRawBufferPointer, framed: UnsafeRawBufferPointer?) {
    // The entry's type lives in KairosCore, which is not a product: it is never named here.
    guard let entry = try? LogDecoder.decode(payload: payload) else { return }
    var encoded: [UInt8] = []
    do {
        try LogCodec.appendPayload(entry, to: &encoded)
    } catch {
        check(false, "a decoded entry does not encode: \(error)")
    }
    check(encoded.elementsEqual(payload), "re-encoded payload differs")
    if let framed {
        let frame: [UInt8]
        do {
            frame = try LogCodec.encodeFrame(entry)
        } catch {
            check(false, "a decoded entry does not encode as a frame: \(error)")
            return
        }
        check(frame.elementsEqual(framed), "re-encoded frame differs")
    }
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("FuzzLogDecoder property failed: \(message())") }
}
