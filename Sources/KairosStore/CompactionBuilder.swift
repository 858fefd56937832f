import KairosCore

/// The compacted form of one or more logfile images (D-compaction): for each (kind, id) only its last
/// entry, keys whose last entry is a removal dropped, survivors in original order, frames
/// copied verbatim (decoding is strict, so a valid frame's bytes are its only encoding).
///
/// Undecodable complete frames are kept verbatim, as the reference does: replay skips them
/// anyway, and keeping them loses nothing a future decoder might recover. Incomplete tails
/// are dropped.
enum CompactionBuilder {
    struct Output {
        var bytes: [UInt8] = []
        /// Complete frames read over all inputs.
        var framesIn = 0
        /// Frames written.
        var framesOut = 0
    }

    /// `keepRemovals`: keep a key's last entry even when it is a removal (a tombstone). Needed
    /// while older files that are replayed first (the reference's) may still hold the key.
    static func build(_ inputs: [[UInt8]], keepRemovals: Bool) -> Output {
        var dedup = Deduplicator()
        var frames: [(input: Int, range: Range<Int>)] = []
        for (inputIndex, input) in inputs.enumerated() {
            input.withUnsafeBytes { raw in
                var scanner = FrameScanner(raw)
                while let frame = scanner.next() {
                    dedup.add(try? LogDecoder.decode(payload: frame.payload))
                    frames.append((inputIndex, frame.frame))
                }
            }
        }
        var output = Output()
        output.framesIn = frames.count
        var size = 0
        for index in frames.indices
        where dedup.survives(index, keepRemovals: keepRemovals, keepUndecodable: true) {
            size += frames[index].range.count
        }
        output.bytes.reserveCapacity(size)
        for index in frames.indices
        where dedup.survives(index, keepRemovals: keepRemovals, keepUndecodable: true) {
            output.bytes.append(contentsOf: inputs[frames[index].input][frames[index].range])
            output.framesOut += 1
        }
        return output
    }
}
