import KairosProtocol

/// Due jobs and their outcomes (docs/protocol.md#job-lifecycle-5.4 with D-rule-ties, D-reset-while-running, D-outcomes-persist).
extension SchedulerCore {
    /// Processes every planned job with execution <= now, ascending time, FIFO among equal times:
    /// the longest-prefix rule → `triggered` and an Execution to `emit`; no rule → `failed`,
    /// journaled as a status-3 job entry (D-outcomes-persist), and its id handed to `unmatched` for the log.
    /// A job whose SET is not durable yet waits.
    public func tick(now: Int64, unmatched: (Bytes) -> Void = { _ in }, _ emit: (Execution) -> Void) {
        advanceDurability(to: journal.progress.durableThrough)
        clockSeen = max(clockSeen, now)
        let speculativeFrom = undo.firstSpeculativeGeneration
        while let top = due.peek, top.execution <= now {
            _ = due.popMin()
            guard isLive(top) else { continue }
            guard top.generation < speculativeFrom else {
                parked.append(top)
                continue
            }
            let record = jobs[top.slot]
            let lateness = now.subtractingReportingOverflow(record.execution)
            latenessSamples.record(lateness.overflow ? .max : lateness.partialValue)
            stats.lateness.record(lateness.overflow ? .max : lateness.partialValue)
            // One copy of the id per due job (short ids live inside the record).
            let id = record.id
            if let winner = rules.match(id) {
                stats.executionsTriggered.increment(winner.runner.kindIndex)
                jobs.setStatus(top.slot, .triggered)
                emit(Execution(
                    jobID: id, generation: top.generation, runner: winner.runner, scheduledAt: record.execution,
                    ruleID: winner.id))
            } else {
                stats.executionsTriggered.increment(RunnerSpec.kindNames.count)
                unmatched(id)
                if finishRecurring(top.slot, success: false, now: now) { continue }
                jobs.setStatus(top.slot, .failed)
                journalFinished(id, execution: record.execution, status: .failed)
            }
        }
    }

    /// Earliest execution time among planned jobs, or nil; discards stale heap entries on the way.
    /// Jobs waiting for their SET to become durable are not counted: `collectResponses` puts them
    /// back when the journal advances.
    public func nextDueTime() -> Int64? {
        while let top = due.peek {
            if isLive(top) { return top.execution }
            _ = due.popMin()
        }
        return nil
    }

    /// D-reset-while-running: applied only if the job exists with `outcome.generation` and is triggered; then it
    /// becomes executed/failed, journaled as a status 2/3 job entry (D-outcomes-persist). No client waits on it.
    /// A recurring job is planned again instead (issue 15), relative to `now` (default: the
    /// latest time `tick` or `handle` saw).
    public func applyOutcome(_ outcome: ExecutionOutcome, now: Int64? = nil) {
        let status: JobStatus = outcome.success ? .executed : .failed
        if let slot = jobs.slot(of: outcome.jobID) {
            let record = jobs[slot]
            if record.generation == outcome.generation, record.status == .triggered {
                if finishRecurring(slot, success: outcome.success, now: now ?? clockSeen) { return }
                jobs.setStatus(slot, status)
                journalFinished(outcome.jobID, execution: record.execution, status: status)
                return
            }
        }
        // The job was replaced or removed; if that change is still speculative and gets undone,
        // the finished status must come back with it.
        if !undo.isEmpty {
            undo.foldOutcome(id: outcome.jobID, generation: outcome.generation, status: status)
        }
    }

    func journalFinished(_ id: Bytes, execution: Int64, status: JobStatus) {
        let sequence = append(.job(id: id, execution: execution, status: status))
        undo.append(sequence, .outcome(id: id))
    }
}
