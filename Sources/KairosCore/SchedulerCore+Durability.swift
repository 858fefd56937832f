import KairosProtocol

/// Group commit and rollback (D-write-ahead, D-durable-acks).
extension SchedulerCore {
    /// Submits what was appended, then releases in FIFO order every queued response whose entry
    /// is durable. After a journal failure, undoes every mutation past the durable point (newest
    /// first), answers those `ERROR`, discards them from the journal and journals again the
    /// finished statuses (D-outcomes-persist) that were lost with them. Call after handle()/tick() batches and
    /// whenever the journal doorbell rings; call `tick` afterwards if `nextDueTime` is due, since
    /// jobs waiting for durability become due again here. Then continues long listings (D-limits) by
    /// a bounded amount, at most `partRoom` partial answers.
    public func collectResponses(partRoom: Int = .max, _ emit: (ResponseEnvelope) -> Void) {
        submitIfNeeded()
        let progress = journal.progress
        // Only a failure past the last discard is new: the writer keeps reporting entries it
        // dropped before the discard reached it, and the core already answered those.
        if progress.failedThrough > discardedThrough {
            rollBack(durableThrough: progress.durableThrough, emit)
        } else {
            advanceDurability(to: progress.durableThrough)
            // Discarded entries will never become durable; answers queued behind them (reads)
            // must not wait for them (D-storage-faults).
            responses.release(durableThrough: max(durableSeen, discardedThrough), emit)
        }
        advanceListings(partRoom: partRoom, emit)
    }

    /// Answers are waiting for the journal to report their entries durable.
    public var hasWithheldAnswers: Bool { responses.count > 0 }

    func submitIfNeeded() {
        guard appendedSinceSubmit else { return }
        appendedSinceSubmit = false
        journal.submit()
    }

    /// Forgets undo records that can no longer fail and retries parked due jobs.
    func advanceDurability(to durable: UInt64) {
        guard durable > durableSeen else { return }
        durableSeen = durable
        undo.dropDurable(through: durable, tally: &requestTally)
        requeueParked()
    }

    private func requeueParked() {
        guard !parked.isEmpty else { return }
        for entry in parked { schedule(entry) }
        parked.removeAll(keepingCapacity: true)
    }

    private func rollBack(durableThrough durable: UInt64, _ emit: (ResponseEnvelope) -> Void) {
        if durable > durableSeen { durableSeen = durable }
        responses.releaseAfterFailure(durableThrough: durable, emit)
        var lostFinishes: [Bytes] = []
        while let record = undo.popSpeculative(after: durable) {
            if record.requestSlot >= 0 { requestTally.count(record.requestSlot, failed: true) }
            switch record.action {
            case .job(let id, let previous):
                restoreJob(id, previous)
                if record.rejournal { lostFinishes.append(id) }
            case .rule(let id, let previous):
                if let previous { rules.set(id, previous) } else { rules.remove(id) }
            case .outcome(let id):
                lostFinishes.append(id)
            }
        }
        undo.dropDurable(through: durable, tally: &requestTally)
        discardedThrough = lastAppended
        journal.discard(through: lastAppended)
        // Parked jobs belonged to undone SETs; back in the heap they are discarded as stale.
        requeueParked()
        // The writer dropped the lost outcomes too: journal each affected job's finished state
        // again so a restart does not run it a second time.
        var journaled = Set<Bytes>()
        for id in lostFinishes.reversed() where journaled.insert(id).inserted {
            guard let slot = jobs.slot(of: id) else { continue }
            let record = jobs[slot]
            if record.status == .planned, let job = recurring[id] {
                journalRecurring(id, execution: record.execution, job)
                continue
            }
            guard record.status == .executed || record.status == .failed else { continue }
            journalFinished(id, execution: record.execution, status: record.status)
        }
        submitIfNeeded()
    }

    private func restoreJob(_ id: Bytes, _ previous: JobSnapshot?) {
        if let previous {
            put(id, previous)
        } else if let slot = jobs.slot(of: id) {
            jobs.remove(slot)
        }
        if previous?.recurring != nil || !recurring.isEmpty { recurring[id] = previous?.recurring }
    }
}
