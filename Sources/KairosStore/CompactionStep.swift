import Glibc

/// Named points of a compaction, in execution order. Crash tests stop at each of them; the
/// `KAIROS_COMPACTION_ABORT_AT=<rawValue>` environment variable aborts the process there
/// (test-only hook; unset in production, where it costs one comparison per step).
public enum CompactionStep: String, CaseIterable, Sendable {
    /// Compacted data written to the temp file, not yet synced.
    case afterTempWrite = "after-temp-write"
    case afterTempSync = "after-temp-sync"
    /// Writer copied the entries appended since the snapshot into the temp file.
    case afterDeltaCopy = "after-delta-copy"
    case afterDeltaSync = "after-delta-sync"
    /// Temp renamed over the logfile; the directory is not synced yet ("before-dir-sync").
    case afterRename = "after-rename"
    case afterDirectorySync = "after-dir-sync"
    /// Reference migration files removed (only when the compaction folded them in).
    case afterMigrationRemoval = "after-migration-removal"

    /// Accepts the raw values plus `before-dir-sync` (the same point as `after-rename`).
    public init?(name: String) {
        if name == "before-dir-sync" {
            self = .afterRename
        } else {
            self.init(rawValue: name)
        }
    }
}

/// A simulated crash: the compaction stopped at `step` and cleaned nothing up.
package struct CompactionInterrupted: Error, Equatable, Sendable {
    package let step: CompactionStep
}

/// Decides what happens when a compaction reaches a step.
package struct CompactionCheckpoint: Sendable {
    private enum Mode: Sendable {
        case none
        case abortProcess(CompactionStep)
        case interrupt(CompactionStep)
    }

    private let mode: Mode

    /// No hook.
    package static let none = CompactionCheckpoint(mode: .none)

    /// From `KAIROS_COMPACTION_ABORT_AT`: `abort()` at that step, as a real crash would.
    package static func fromEnvironment() -> CompactionCheckpoint {
        guard let raw = getenv("KAIROS_COMPACTION_ABORT_AT"),
              let step = CompactionStep(name: String(cString: raw))
        else { return .none }
        return CompactionCheckpoint(mode: .abortProcess(step))
    }

    /// Throws `CompactionInterrupted` at `step`, so an in-process test can abandon the work
    /// exactly there and inspect the files.
    package static func interrupt(at step: CompactionStep) -> CompactionCheckpoint {
        CompactionCheckpoint(mode: .interrupt(step))
    }

    package func reach(_ step: CompactionStep) throws(CompactionInterrupted) {
        switch mode {
        case .none:
            return
        case .abortProcess(let target):
            if target == step { abort() }
        case .interrupt(let target):
            if target == step { throw CompactionInterrupted(step: step) }
        }
    }
}
