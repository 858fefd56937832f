import KairosProtocol

/// The schedules and counters of recurring jobs (issue 15) in 32 bytes per job, so that B6's
/// one million jobs stay within 200 MB when every one of them recurs.
///
/// The first design, a `[Bytes: RecurringJob]` dictionary, took 617 MB of RSS for a million
/// `EVERY 1m` jobs against 156 MB for a million one-shot ones: a `Recurrence` with its optional
/// cron rule is over 100 bytes, the dictionary keeps a quarter of its buckets empty and doubles,
/// and it held a second copy of every id. Here instead:
///
/// - what many jobs share — interval, retry count and backoff, cron rule — is a *shape*, stored
///   once and reference-counted (a million `EVERY 1m` jobs have one shape);
/// - what is the job's own — EVERY's anchor, the run counters — is a 32-byte `Entry`, in chunks
///   of fixed capacity, so growth wastes at most one chunk instead of doubling an array;
/// - the job's record names its entry with a *handle* (entry number + 1, 0 = one-shot) kept in
///   4 bytes that were padding in `JobRecord`, so finding the entry costs no memory and no hash.
///
/// Run and failure counters are 32 bits here and saturate at 4,294,967,295 (136 years of an
/// `EVERY 1s` job); the logfile keeps 64 bits. Every operation is O(1): a shape is hashed only
/// when a schedule is set with a different shape, never when a run re-plans the job.
struct RecurringTable {
    /// What recurring jobs share. `anchor` is not part of it: it is per job.
    private struct Shape: Hashable {
        var interval: Int64
        var retries: UInt16
        var backoff: Int64
        var cron: CronRule?

        init(_ recurrence: Recurrence) {
            interval = recurrence.interval
            retries = recurrence.retries
            backoff = recurrence.backoff
            cron = recurrence.cron
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(interval)
            hasher.combine(retries)
            hasher.combine(backoff)
            hasher.combine(cron?.expression)
            hasher.combine(cron?.zone)
        }
    }

    /// One job's own part: 31 bytes, stride 32.
    private struct Entry {
        var anchor: Int64
        var lastAt: Int64
        var runs: UInt32
        var failures: UInt32
        var shape: UInt32
        var attempt: UInt16
        /// `JobStatus.rawValue` of the last outcome, or `noOutcome`.
        var lastOutcome: UInt8
    }

    private static let noOutcome: UInt8 = 0xFF
    private static let chunkShift = 12
    private static let chunkSize = 1 << chunkShift

    private var chunks: [[Entry]] = []
    private var freeEntries: [UInt32] = []
    private var shapes: [Shape] = []
    private var shapeUsers: [Int] = []
    private var shapeNumbers: [Shape: UInt32] = [:]
    private var freeShapes: [UInt32] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// The schedule behind `handle`, or nil for 0 (a one-shot job).
    subscript(handle: UInt32) -> RecurringJob? {
        guard handle != 0 else { return nil }
        let entry = self[entry: handle - 1]
        let shape = shapes[Int(entry.shape)]
        var recurrence = Recurrence(interval: shape.interval, anchor: entry.anchor, retries: shape.retries, backoff: shape.backoff)
        recurrence.cron = shape.cron
        let counters = RunCounters(
            runs: UInt64(entry.runs), failures: UInt64(entry.failures),
            lastOutcome: entry.lastOutcome == Self.noOutcome ? nil : JobStatus(rawValue: entry.lastOutcome),
            lastAt: entry.lastAt, attempt: entry.attempt)
        return RecurringJob(recurrence: recurrence, counters: counters)
    }

    /// Stores `job` in place of the schedule behind `handle` (0: none yet) and returns the handle
    /// to keep, 0 when `job` is nil (the job is one-shot now and its entry is freed).
    mutating func store(_ job: RecurringJob?, replacing handle: UInt32) -> UInt32 {
        let existing: UInt32? = handle == 0 ? nil : handle - 1
        guard let job else {
            if let existing { release(entry: existing) }
            return 0
        }
        let shape = Shape(job.recurrence)
        let shapeNumber: UInt32
        if let existing, shapes[Int(self[entry: existing].shape)] == shape {
            shapeNumber = self[entry: existing].shape
        } else {
            shapeNumber = retain(shape)
            if let existing { releaseShape(self[entry: existing].shape) }
        }
        let entry = Entry(
            anchor: job.recurrence.anchor, lastAt: job.counters.lastAt, runs: Self.saturated(job.counters.runs),
            failures: Self.saturated(job.counters.failures), shape: shapeNumber, attempt: job.counters.attempt,
            lastOutcome: job.counters.lastOutcome?.rawValue ?? Self.noOutcome)
        if let existing {
            self[entry: existing] = entry
            return handle
        }
        let number: UInt32
        if let reused = freeEntries.popLast() {
            number = reused
            self[entry: number] = entry
        } else {
            // No free entry: every allocated entry is live, so the next one is number `count`.
            number = UInt32(count)
            if Int(number) >> Self.chunkShift == chunks.count {
                var chunk: [Entry] = []
                chunk.reserveCapacity(Self.chunkSize)
                chunks.append(chunk)
            }
            chunks[Int(number) >> Self.chunkShift].append(entry)
        }
        count += 1
        return number + 1
    }

    /// Shapes in use (for tests: a million jobs with one schedule keep one).
    var shapeCount: Int { shapeNumbers.count }

    private static func saturated(_ value: UInt64) -> UInt32 { UInt32(clamping: value) }

    private subscript(entry number: UInt32) -> Entry {
        get { chunks[Int(number) >> Self.chunkShift][Int(number) & (Self.chunkSize - 1)] }
        set { chunks[Int(number) >> Self.chunkShift][Int(number) & (Self.chunkSize - 1)] = newValue }
    }

    private mutating func release(entry number: UInt32) {
        releaseShape(self[entry: number].shape)
        freeEntries.append(number)
        count -= 1
        // The last recurring job is gone: give everything back.
        if count == 0 { self = RecurringTable() }
    }

    private mutating func retain(_ shape: Shape) -> UInt32 {
        if let number = shapeNumbers[shape] {
            shapeUsers[Int(number)] += 1
            return number
        }
        let number: UInt32
        if let reused = freeShapes.popLast() {
            number = reused
            shapes[Int(number)] = shape
            shapeUsers[Int(number)] = 1
        } else {
            number = UInt32(shapes.count)
            shapes.append(shape)
            shapeUsers.append(1)
        }
        shapeNumbers[shape] = number
        return number
    }

    private mutating func releaseShape(_ number: UInt32) {
        shapeUsers[Int(number)] -= 1
        guard shapeUsers[Int(number)] == 0 else { return }
        shapeNumbers[shapes[Int(number)]] = nil
        freeShapes.append(number)
    }
}
