import KairosCore

/// Lets the core exist before the logfile journal does: replay must run (and truncate a torn
/// tail) before the journal opens the file for appending, yet replay feeds the core.
/// Nothing is appended during replay; afterwards every call goes to `target`.
final class LateJournal: Journal {
    var target: any Journal = MemoryJournal()

    func append(_ entry: LogEntry) -> UInt64 { target.append(entry) }
    func submit() { target.submit() }
    var progress: JournalProgress { target.progress }
    func discard(through sequence: UInt64) { target.discard(through: sequence) }
}
