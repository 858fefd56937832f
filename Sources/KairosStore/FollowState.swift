import KairosCore

/// The effective state (last entry per key, removals deleting) of everything `dump --follow`
/// has printed, used to find where a replaced logfile continues.
///
/// Compaction replaces the file with one that replays to the same state, followed by newer
/// entries. Replaying the new file frame by frame, the first boundary where its state equals
/// the printed state is where unseen entries begin. That point is never past the true one,
/// so nothing new is skipped; if a key flipped back and forth in the entries copied after the
/// snapshot, a few already-printed lines may be printed again (at-least-once display).
struct FollowState {
    private var printed: [EntryKey: LogEntry] = [:]

    mutating func apply(_ entry: LogEntry) {
        let key = EntryKey(entry)
        if entry.isRemoval {
            printed[key] = nil
        } else {
            printed[key] = entry
        }
    }

    /// The first frame boundary of `bytes` whose state equals the printed state, as (byte
    /// offset, number of frames before it); nil when no boundary matches (an unrelated file).
    func resumePoint(in bytes: UnsafeRawBufferPointer) -> (offset: Int, frames: Int)? {
        var shadow: [EntryKey: LogEntry] = [:]
        // Keys where shadow and printed differ; 0 means the states are equal.
        var mismatches = printed.count
        if mismatches == 0 { return (0, 0) }
        var scanner = FrameScanner(bytes)
        var frames = 0
        while let frame = scanner.next() {
            frames += 1
            guard let entry = try? LogDecoder.decode(payload: frame.payload) else { continue }
            let key = EntryKey(entry)
            let target = printed[key]
            let before = shadow[key]
            let after: LogEntry? = entry.isRemoval ? nil : entry
            shadow[key] = after
            mismatches += (after != target ? 1 : 0) - (before != target ? 1 : 0)
            if mismatches == 0 { return (scanner.consumed, frames) }
        }
        return nil
    }
}
