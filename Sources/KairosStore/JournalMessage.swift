/// What the core thread hands the writer thread through the SPSC ring, in order.
enum JournalMessage: Sendable {
    /// Encoded frames for sequence numbers up to `last`.
    case batch(JournalBatch)
    /// The core gave up on every entry ≤ the number (after a failure): drop them, resume.
    case discard(through: UInt64)
}

/// One core loop iteration's appends, already encoded.
struct JournalBatch: Sendable {
    /// Frames of the entries that could be encoded, in sequence order.
    var bytes: [UInt8]
    /// Sequence number of the batch's last entry.
    var last: UInt64
    /// First entry that could not be encoded (oversized field): it and everything after it
    /// fail; `bytes` holds only the entries before it.
    var unencodable: UInt64?
    /// False when every entry is a job outcome (D-outcomes-persist): those ride along with the next sync
    /// instead of paying for one of their own.
    var needsSync = true
}
