import KairosProtocol

/// A job's state as an undo record remembers it.
struct JobSnapshot: Equatable {
    var execution: Int64
    var generation: UInt64
    var status: JobStatus
    /// The job's schedule if it was recurring (issue 15).
    var recurring: RecurringJob? = nil

    init(_ record: JobRecord) {
        execution = record.execution
        generation = record.generation
        status = record.status
    }

    init(execution: Int64, generation: UInt64, status: JobStatus) {
        self.execution = execution
        self.generation = generation
        self.status = status
    }
}

/// What to do with one journaled entry if the journal loses it.
enum UndoAction {
    /// A SET or REMOVE: put back `previous` (nil = the job did not exist).
    case job(id: Bytes, previous: JobSnapshot?)
    /// A RULE SET or REMOVERULE: put back `previous` (nil = the rule did not exist).
    case rule(id: Bytes, previous: Rule?)
    /// An outcome or no-rule failure (D-outcomes-persist): never undone, journaled again after the failure.
    case outcome(id: Bytes)
}

struct UndoRecord {
    var sequence: UInt64
    var action: UndoAction
    /// An outcome was folded into `previous` while this record was speculative: when it is
    /// undone, the restored finished status must be journaled.
    var rejournal = false
    /// The `RequestTally` slot of the request that made this entry (-1: not a request), counted
    /// when the entry is settled: `ok` when durable, `error` when undone.
    var requestSlot = -1
}

/// Journaled entries not yet durable, oldest first (D-write-ahead speculative apply). Durability drops
/// records from the front; a failure undoes them from the back.
struct UndoLog {
    /// False for a journal whose entries are durable on append (`Journal.isDurableOnAppend`):
    /// nothing can be undone there, so `append` and `noteSet` record nothing and callers may
    /// skip building the snapshot an undo record would hold.
    let isKept: Bool
    private var records = RingDeque<UndoRecord>()
    /// (sequence, generation) of each speculative SET, in order. Generations and sequences grow
    /// together, so a job is speculative iff its generation >= the first one here.
    private var pendingSets = RingDeque<(sequence: UInt64, generation: UInt64)>()

    var isEmpty: Bool { records.isEmpty }
    var count: Int { records.count }

    /// Jobs planned by a SET at or after this generation must not run yet.
    var firstSpeculativeGeneration: UInt64 { pendingSets.first?.generation ?? .max }

    init(isKept: Bool = true) {
        self.isKept = isKept
    }

    /// The `RequestTally` slot of the request being handled, taken (and reset to -1) by the
    /// record it appends, if any: the request is then counted when that record is settled. When
    /// records are not kept, the slot is left for the caller, which counts the request at once:
    /// its entry was durable when appended.
    var requestSlot = -1

    mutating func append(_ sequence: UInt64, _ action: @autoclosure () -> UndoAction) {
        guard isKept else { return }
        records.append(UndoRecord(sequence: sequence, action: action(), requestSlot: requestSlot))
        requestSlot = -1
    }

    mutating func noteSet(sequence: UInt64, generation: UInt64) {
        guard isKept else { return }
        pendingSets.append((sequence, generation))
    }

    /// Forgets everything durable through `sequence`, counting the requests it settles as `ok`.
    mutating func dropDurable(through sequence: UInt64, tally: inout RequestTally) {
        while let first = records.first, first.sequence <= sequence {
            if first.requestSlot >= 0 { tally.count(first.requestSlot, failed: false) }
            records.removeFirst()
        }
        while let first = pendingSets.first, first.sequence <= sequence { pendingSets.removeFirst() }
    }

    /// Removes and returns the newest record if its entry is later than `sequence`.
    mutating func popSpeculative(after sequence: UInt64) -> UndoRecord? {
        guard let last = records.last, last.sequence > sequence else { return nil }
        if let set = pendingSets.last, set.sequence == last.sequence { pendingSets.removeLast() }
        return records.removeLast()
    }

    /// An outcome for (`id`, `generation`) arrived after a speculative SET or REMOVE replaced that
    /// triggered job: record the finished status in the snapshot, so that undoing the mutation
    /// brings back the finished job rather than one stuck in `triggered`. Returns whether found.
    @discardableResult
    mutating func foldOutcome(id: Bytes, generation: UInt64, status: JobStatus) -> Bool {
        var offset = records.count
        while offset > 0 {
            offset -= 1
            guard case .job(let jobID, let previous?) = records[offset].action,
                  previous.generation == generation, previous.status == .triggered, jobID == id
            else { continue }
            var patched = previous
            patched.status = status
            records[offset].action = .job(id: jobID, previous: patched)
            records[offset].rejournal = true
            return true
        }
        return false
    }
}
