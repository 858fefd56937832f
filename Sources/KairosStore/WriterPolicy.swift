/// The writer's side of the Journal contract's failure rules, as a state machine.
///
/// After a failed write, every later batch is dropped (reported failed) until the core's
/// `discard` arrives: the core undoes all undurable mutations, so nothing it already answered
/// `ERROR` may reach the file behind its back. After a failed sync the writer is halted for
/// good (D-storage-faults): everything is ignored, nothing reported, and the process is about to exit.
struct WriterPolicy {
    private enum State {
        case healthy
        case failed
        case halted
    }

    enum Decision: Equatable {
        /// Write `bytes`; they cover entries up to `through`. Then, if `failThrough` is set,
        /// the entries after `through` up to it fail (an unencodable entry).
        case write(through: UInt64, failThrough: UInt64?)
        /// Drop the batch; its entries up to the number failed.
        case drop(failThrough: UInt64)
        /// Forget everything collected and not yet written, and resume. Reports nothing: the
        /// core already answered every discarded entry, so a report here would read as a new
        /// failure of the entries it appends next.
        case discard
        /// Halted: neither write nor report anything.
        case ignore
    }

    private var state = State.healthy

    var isFailed: Bool {
        switch state {
        case .healthy, .halted: false
        case .failed: true
        }
    }

    var isHalted: Bool {
        switch state {
        case .healthy, .failed: false
        case .halted: true
        }
    }

    mutating func receive(_ message: JournalMessage) -> Decision {
        switch (state, message) {
        case (.healthy, .batch(let batch)):
            if let bad = batch.unencodable {
                state = .failed
                return .write(through: bad - 1, failThrough: batch.last)
            }
            return .write(through: batch.last, failThrough: nil)
        case (.failed, .batch(let batch)):
            return .drop(failThrough: batch.last)
        case (.healthy, .discard), (.failed, .discard):
            state = .healthy
            return .discard
        case (.halted, _):
            return .ignore
        }
    }

    /// A write of the collected batches failed.
    mutating func writeFailed() {
        if state == .healthy { state = .failed }
    }

    /// An fsync failed: final.
    mutating func syncFailed() {
        state = .halted
    }
}
