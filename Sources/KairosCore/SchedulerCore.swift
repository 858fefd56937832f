import KairosProtocol
import KairosSync

/// The single owner of all jobs and rules (README.md#architecture, docs/protocol.md#job-lifecycle). Confined to the core thread, does no
/// I/O, and takes time as a parameter so tests drive it with a manual clock.
///
/// Mutations are applied at once (later requests in the same batch see them), journaled, and
/// answered only when their entry is durable (D-write-ahead, D-durable-acks). If the journal fails, every mutation
/// past the durable point is undone in reverse order and answered `ERROR`.
public final class SchedulerCore {
    let config: CoreConfig
    let journal: any Journal
    let stats: ServerStats

    var jobs: JobTable
    var rules: RuleBook
    var due = DueQueue()
    /// Due entries of jobs whose SET is not durable yet; retried when durability advances.
    var parked: [DueEntry] = []
    var undo: UndoLog
    var responses: PendingResponses
    var latenessSamples = LatenessHistogram()
    /// Requests by protocol, command and outcome for `/metrics`; see `publishCounters`.
    var requestTally: RequestTally
    /// Schedules of recurring jobs by id (issue 15); one-shot jobs have none.
    var recurring: [Bytes: RecurringJob] = [:]
    /// The latest wall time seen by `tick` or `handle`, for outcomes applied without one.
    var clockSeen: Int64 = 0

    /// `prefetch`'s hashes of one batch (kept for its capacity) and what its loads summed to
    /// (kept so they are not optimised away).
    var prefetchHashes: [UInt32] = []
    var prefetchSink: UInt64 = 0

    /// The last generation handed out; every SET and every restored job takes the next one.
    var generationCounter: UInt64 = 0
    var lastAppended: UInt64 = 0
    var appendedSinceSubmit = false
    /// The last `handle` call answered `ERROR` (telemetry's `ztick.success`); a mutation whose
    /// journal write fails later still counts as succeeded here.
    public private(set) var lastRequestFailed = false
    var durableSeen: UInt64 = 0
    /// Everything appended up to here was given up (answered `ERROR` or re-journaled) at the
    /// last rollback; a failure report up to it is old news, not a new failure.
    var discardedThrough: UInt64 = 0

    /// `buffers` lets request and answer arrays circulate with the reactor instead of being
    /// allocated per request; without it (tests) they are plain allocations.
    public init(config: CoreConfig, journal: any Journal, stats: ServerStats, buffers: BufferExchange? = nil) {
        self.config = config
        self.journal = journal
        self.stats = stats
        responses = PendingResponses(buffers: buffers)
        undo = UndoLog(isKept: !journal.isDurableOnAppend)
        prefetchHashes.reserveCapacity(Self.prefetchBatch)
        jobs = JobTable(stats: stats)
        rules = RuleBook(stats: stats)
        requestTally = RequestTally(stats: stats)
    }

    /// Makes the request counts visible to `/metrics`: call once per batch, before its answers
    /// are handed to the reactor, so a client never sees an answer its scrape does not count.
    public func publishCounters() {
        requestTally.publish()
    }

    /// Trigger lateness samples (now − execution, ns, ≥ 0), one per due job processed by `tick`
    /// (triggered or failed for lack of a rule).
    public var lateness: LatenessHistogram { latenessSamples }

    /// Starts a new lateness measurement (benchmarks).
    public func resetLateness() {
        latenessSamples = LatenessHistogram()
    }

    /// Startup replay: applies a logfile entry without journaling. Job entries restore the stored
    /// status (D-outcomes-persist); only planned jobs enter the due queue; removals delete if present.
    /// A stored `triggered` (never written by Kairos) comes back `planned`: its run can never
    /// report, so it runs again (D-outcomes-persist's at-least-once).
    public func restore(_ entry: LogEntry) {
        switch entry {
        case .job(let id, let execution, let stored):
            let status: JobStatus = stored == .triggered ? .planned : stored
            generationCounter += 1
            let snapshot = JobSnapshot(execution: execution, generation: generationCounter, status: status)
            put(id, snapshot)
            // A job entry makes the job one-shot; a schedule entry after it makes it recurring.
            if !recurring.isEmpty { recurring[id] = nil }
        case .rule(let id, let pattern, let runner):
            rules.set(id, Rule(pattern: pattern, runner: runner))
        case .jobRemoval(let id):
            if let slot = jobs.slot(of: id) { jobs.remove(slot) }
            if !recurring.isEmpty { recurring[id] = nil }
        case .ruleRemoval(let id):
            rules.remove(id)
        case .schedule(let id, let recurrence, let counters):
            // Without its job (a compacted log whose job entry was superseded) it means nothing.
            if jobs.slot(of: id) != nil { recurring[id] = RecurringJob(recurrence: recurrence, counters: counters) }
        }
    }

    /// Handles one request. `now` (wall ns) is used only for STAT uptime. The answer is queued
    /// and released by `collectResponses` in arrival order.
    public func handle(_ envelope: RequestEnvelope, now: Int64) {
        lastRequestFailed = false
        let id = envelope.request.id
        let client = envelope.client
        let command = envelope.request.command
        let format = envelope.format
        clockSeen = max(clockSeen, now)
        // Counted on the way out: a mutation's journal entry takes the slot and is counted when
        // it settles; any other request is counted now, with the outcome it got.
        undo.requestSlot = RequestTally.slot(command, format)
        defer {
            if undo.requestSlot >= 0 {
                requestTally.count(undo.requestSlot, failed: lastRequestFailed)
                undo.requestSlot = -1
            }
        }
        if case .malformed = command {
            return answerError(client, id)
        }
        guard NamespacePolicy.permits(command, in: envelope.namespace) else {
            answerError(client, id)
            if let operand = command.operand { responses.attachOperand(operand) }
            return
        }
        switch command {
        case .set(let job, let execution):
            set(job, execution: execution, requestID: id, client: client)
        case .setRecurring(let job, let execution, let recurrence):
            setRecurring(job, execution: execution, recurrence: recurrence, now: now, requestID: id, client: client)
        case .info(let job):
            info(job, requestID: id, client: client)
        case .get(let job):
            get(job, requestID: id, client: client, format: format)
        case .query(let prefix):
            let range = NamespacePolicy.queryRange(prefix: prefix, in: envelope.namespace)
            answerListing(client, .jobs(range: range, namespace: envelope.namespace), format: format, requestID: id)
        case .remove(let job):
            remove(job, requestID: id, client: client, format: format)
        case .removeRule(let rule):
            removeRule(rule, requestID: id, client: client, format: format)
        case .ruleSet(let rule, let pattern, let runner):
            setRule(rule, Rule(pattern: pattern, runner: runner), requestID: id, client: client)
        case .listRules:
            answerListing(client, .rules(namespace: envelope.namespace, prefix: []), format: format, requestID: id)
        case .queryRules(let prefix):
            answerListing(client, .rules(namespace: envelope.namespace, prefix: prefix), format: format, requestID: id)
        case .getRule(let rule):
            getRule(rule, requestID: id, client: client, format: format)
        case .stat:
            let bytes =
                format == .json
                ? StatRenderer.renderJSON(now: now, config: config, stats: stats)
                : StatRenderer.render(requestID: id, now: now, config: config, stats: stats)
            answer(client, bytes, requestID: id)
        case .malformed:
            answerError(client, id)
        }
        // Every request queued exactly one answer above; its operand goes back with it.
        if let operand = command.operand { responses.attachOperand(operand) }
    }

    // MARK: Shared helpers

    /// Queues an answer that changes nothing; it still waits behind every earlier entry so a
    /// connection never sees it before the answers to its earlier requests.
    func answer(_ client: ClientTag, _ bytes: [UInt8], requestID: Bytes) {
        responses.enqueueRead(client, bytes, requestID: requestID, after: lastAppended)
    }

    func append(_ entry: LogEntry) -> UInt64 {
        let sequence = journal.append(entry)
        lastAppended = sequence
        appendedSinceSubmit = true
        return sequence
    }

    /// Makes the table hold `snapshot` for `id` (inserting or overwriting) and schedules it if
    /// planned. A duplicate due entry is harmless: the first to surface changes the status.
    func put(_ id: Bytes, _ snapshot: JobSnapshot) {
        put(id, snapshot, existing: jobs.slot(of: id))
    }

    /// `put` for a caller that has just looked the job up (`existing` = `jobs.slot(of: id)`).
    func put(_ id: Bytes, _ snapshot: JobSnapshot, existing: UInt32?) {
        let slot: UInt32
        if let existing {
            slot = existing
            jobs.update(slot, execution: snapshot.execution, generation: snapshot.generation, status: snapshot.status)
        } else {
            slot = jobs.insert(JobRecord(id: id, execution: snapshot.execution, generation: snapshot.generation, status: snapshot.status))
        }
        if snapshot.status == .planned {
            schedule(DueEntry(execution: snapshot.execution, generation: snapshot.generation, slot: slot))
        }
    }

    /// Adds a due entry; rebuilds the heap when stale entries outnumber live ones, which keeps
    /// its size proportional to the planned jobs however often they are re-SET.
    func schedule(_ entry: DueEntry) {
        due.push(entry)
        if due.count > 1024, due.count > 2 * jobs.count(.planned) {
            due.compact(keeping: isLive)
        }
    }

    /// An entry is live iff its job still holds that generation and is planned.
    func isLive(_ entry: DueEntry) -> Bool {
        let record = jobs.records[Int(entry.slot)]
        return record.generation == entry.generation && record.status == .planned
    }

    /// Queues `<id> ERROR` for a request that changes nothing.
    func answerError(_ client: ClientTag, _ id: Bytes) {
        lastRequestFailed = true
        responses.enqueueError(client, requestID: id, after: lastAppended)
    }

    /// The job or rule a request names does not exist: `<id> ERROR` on the line protocol, the
    /// distinct ` NOTFOUND` for HTTP, where it is a 404 rather than a refused mutation (503).
    func answerNotFound(_ client: ClientTag, _ id: Bytes, format: AnswerFormat) {
        switch format {
        case .line: answerError(client, id)
        case .json:
            lastRequestFailed = true
            answer(client, Self.notFoundAnswer, requestID: id)
        }
    }

    static let notFoundAnswer: [UInt8] = Array(" NOTFOUND\n".utf8)
}

extension Command {
    /// The id array a request carries besides its request id (the one the parser fills from a
    /// recycled array), so it can be handed back once the request is answered.
    fileprivate var operand: Bytes? {
        switch self {
        case .set(let job, _), .get(let job), .remove(let job), .setRecurring(let job, _, _), .info(let job): job
        case .query(let prefix), .queryRules(let prefix): prefix
        case .removeRule(let rule), .getRule(let rule): rule
        case .ruleSet, .listRules, .stat, .malformed: nil
        }
    }
}
