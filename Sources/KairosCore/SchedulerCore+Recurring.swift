import KairosProtocol

/// Recurring jobs (issue 15): `SET ... EVERY`, their re-plan after each run, and `INFO`.
///
/// A recurring job is an ordinary job record (so GET, QUERY, STAT and the due heap need no
/// change) plus an entry in `recurring`. After each run its counters are updated and it is
/// planned again — one heap push, O(log n) — and both its job entry and its schedule entry are
/// journaled, in that order, so replay (job entry first = one-shot, then the schedule) and a
/// reference server (which skips the schedule entry, docs/logfile-format.md#replay-at-startup) both see the next occurrence.
extension SchedulerCore {
    /// A CRON schedule's first run is its next occurrence after `now`; EVERY's is `execution`.
    /// From HTTP (`format` `.json`) the answer is the job's JSON object instead of `OK`.
    func setRecurring(
        _ job: Bytes, execution: Int64, recurrence: Recurrence, now: Int64, requestID: Bytes, client: ClientTag,
        format: AnswerFormat = .line
    ) {
        guard let execution = recurrence.cron == nil ? execution : recurrence.next(after: now) else {
            return answerError(client, requestID)
        }
        generationCounter += 1
        let generation = generationCounter
        let previous = undo.isKept ? snapshot(of: job) : nil
        let entry = RecurringJob(recurrence: recurrence, counters: RunCounters())
        let slot = put(job, JobSnapshot(execution: execution, generation: generation, status: .planned))
        setSchedule(entry, at: slot)
        _ = append(.job(id: job, execution: execution, status: .planned))
        let sequence = append(.schedule(id: job, recurrence: recurrence, counters: entry.counters))
        // One undo record at the later sequence: both entries share the group commit, and a
        // failure of either answers ERROR and restores the previous job with its schedule.
        undo.append(sequence, .job(id: job, previous: previous))
        undo.noteSet(sequence: sequence, generation: generation)
        if format == .json {
            var out: [UInt8] = []
            RecurringJSON.appendJob(id: job, record: jobs[slot], entry, to: &out)
            responses.enqueueConfirmation(client, out, requestID: requestID, sequence: sequence)
        } else {
            responses.enqueueMutation(client, requestID: requestID, sequence: sequence)
        }
    }

    /// The schedule of the job in `slot`, nil for a one-shot job.
    func schedule(of slot: UInt32) -> RecurringJob? {
        recurring[jobs[slot].recurring]
    }

    /// Gives the job in `slot` this schedule (nil: one-shot). Must run with nil before the slot
    /// is freed, so that the table's entry is freed with it.
    func setSchedule(_ job: RecurringJob?, at slot: UInt32) {
        let handle = jobs[slot].recurring
        guard job != nil || handle != 0 else { return }
        jobs.setRecurring(slot, recurring.store(job, replacing: handle))
    }

    /// The schedule of job `id` (tests).
    func schedule(of id: Bytes) -> RecurringJob? {
        jobs.slot(of: id).flatMap { schedule(of: $0) }
    }

    /// The job's state, schedule included, as an undo record must remember it.
    func snapshot(of job: Bytes) -> JobSnapshot? {
        guard let slot = jobs.slot(of: job) else { return nil }
        return snapshot(at: slot, job)
    }

    /// `snapshot(of:)` of the job in `slot`, whose id is `job`.
    func snapshot(at slot: UInt32, _ job: Bytes) -> JobSnapshot {
        var snapshot = JobSnapshot(jobs[slot])
        if !recurring.isEmpty { snapshot.recurring = schedule(of: slot) }
        return snapshot
    }

    /// Called when a run of the job in `slot` finished (or failed for lack of a rule). Returns
    /// false for a one-shot job, which the caller finishes as before. A recurring job is planned
    /// again: a retry after a failure while retries remain, otherwise the first occurrence
    /// strictly after both the run's due time and `now` — so occurrences missed while the
    /// server was down, or while a long run went on, collapse into the one run just made.
    func finishRecurring(_ slot: UInt32, success: Bool, now: Int64) -> Bool {
        guard !recurring.isEmpty else { return false }
        let record = jobs[slot]
        guard var job = schedule(of: slot) else { return false }
        job.counters.runs &+= 1
        if !success { job.counters.failures &+= 1 }
        job.counters.lastOutcome = success ? .executed : .failed
        job.counters.lastAt = record.execution
        let after = max(record.execution, now)
        let next: Int64?
        if !success, job.counters.attempt < job.recurrence.retries {
            job.counters.attempt += 1
            let (retryAt, overflow) = after.addingReportingOverflow(job.recurrence.retryDelay(attempt: job.counters.attempt))
            // Never later than the next regular occurrence (EVERY's interval cap, CRON's only one).
            let regular = job.recurrence.next(after: after)
            next = overflow ? regular : min(retryAt, regular ?? retryAt)
        } else {
            job.counters.attempt = 0
            next = job.recurrence.next(after: after)
        }
        // No occurrence representable in i64 ns: the job ends like a one-shot one.
        guard let next else {
            setSchedule(nil, at: slot)
            return false
        }
        setSchedule(job, at: slot)
        generationCounter += 1
        let id = record.id
        put(id, JobSnapshot(execution: next, generation: generationCounter, status: .planned))
        journalRecurring(id, execution: next, job)
        return true
    }

    /// Journals a recurring job's planned state: its job entry, then its schedule. Like an
    /// outcome (D-outcomes-persist) it is never undone; a journal failure journals it again.
    func journalRecurring(_ id: Bytes, execution: Int64, _ job: RecurringJob) {
        let first = append(.job(id: id, execution: execution, status: .planned))
        undo.append(first, .outcome(id: id))
        let second = append(.schedule(id: id, recurrence: job.recurrence, counters: job.counters))
        undo.append(second, .outcome(id: id))
    }

    /// `<id> OK <status> <next-ns> <schedule> retry=<n>/<backoff> last=<outcome>@<ns> runs=<n>
    /// failures=<n>`; `<schedule>` is `once`, `every=<duration>` or `cron="<expr>"@<zone>`. One-shot jobs keep no
    /// counters: theirs are derived from the status (a finished one-shot job ran once).
    func info(_ job: Bytes, requestID: Bytes, client: ClientTag) {
        guard let slot = jobs.slot(of: job) else { return answerError(client, requestID) }
        let record = jobs[slot]
        var line: [UInt8] = []
        ResponseEncoder.beginLine(id: requestID, to: &line)
        ResponseEncoder.append("OK \(record.status.name) ", to: &line)
        ResponseEncoder.appendDecimal(record.execution, to: &line)
        let counters: RunCounters
        if let entry = recurring.isEmpty ? nil : schedule(of: slot) {
            let recurrence = entry.recurrence
            let schedule = recurrence.cron.map { "cron=\"\($0.expression)\"@\($0.zone)" }
                ?? "every=\(DurationText.format(recurrence.interval))"
            ResponseEncoder.append(
                " \(schedule) retry=\(recurrence.retries)/\(DurationText.format(recurrence.backoff))", to: &line)
            counters = entry.counters
        } else {
            ResponseEncoder.append(" once retry=0/0s", to: &line)
            let finished = record.status == .executed || record.status == .failed
            counters = RunCounters(
                runs: finished ? 1 : 0, failures: record.status == .failed ? 1 : 0,
                lastOutcome: finished ? record.status : nil, lastAt: finished ? record.execution : 0)
        }
        ResponseEncoder.append(" last=\(counters.lastOutcome?.name ?? "none")@\(counters.lastOutcome == nil ? 0 : counters.lastAt)", to: &line)
        ResponseEncoder.append(" runs=\(counters.runs) failures=\(counters.failures)", to: &line)
        ResponseEncoder.endLine(&line)
        answer(client, line, requestID: requestID)
    }
}
