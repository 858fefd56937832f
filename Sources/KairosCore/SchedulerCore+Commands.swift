import KairosProtocol

/// The instructions of docs/protocol.md#instructions. Namespace checks and malformed requests are handled by
/// `handle` before these run; QUERY and LISTRULES are in `SchedulerCore+Streams.swift`.
extension SchedulerCore {
    func set(_ job: Bytes, execution: Int64, requestID: Bytes, client: ClientTag) {
        generationCounter += 1
        let generation = generationCounter
        // One lookup serves the undo snapshot and the update.
        let existing = jobs.slot(of: job)
        let previous = undo.isKept ? existing.map { snapshot(at: $0, job) } : nil
        put(job, JobSnapshot(execution: execution, generation: generation, status: .planned), existing: existing)
        // A plain SET makes a recurring job one-shot again; its job entry says so on replay.
        if !recurring.isEmpty { recurring[job] = nil }
        let sequence = append(.job(id: job, execution: execution, status: .planned))
        undo.append(sequence, .job(id: job, previous: previous))
        undo.noteSet(sequence: sequence, generation: generation)
        responses.enqueueMutation(client, requestID: requestID, sequence: sequence)
    }

    func get(_ job: Bytes, requestID: Bytes, client: ClientTag, format: AnswerFormat) {
        guard let slot = jobs.slot(of: job) else { return answerNotFound(client, requestID, format: format) }
        let record = jobs[slot]
        responses.enqueueJob(
            client, requestID: requestID, status: record.status, execution: record.execution, after: lastAppended)
    }

    func remove(_ job: Bytes, requestID: Bytes, client: ClientTag, format: AnswerFormat) {
        guard let slot = jobs.slot(of: job) else {
            return answerNotFound(client, requestID, format: format)
        }
        var previous = JobSnapshot(jobs.remove(slot))
        if !recurring.isEmpty { previous.recurring = recurring.removeValue(forKey: job) }
        let sequence = append(.jobRemoval(id: job))
        undo.append(sequence, .job(id: job, previous: previous))
        responses.enqueueMutation(client, requestID: requestID, sequence: sequence)
    }

    func setRule(_ id: Bytes, _ rule: Rule, requestID: Bytes, client: ClientTag) {
        let previous = rules.set(id, rule)
        let sequence = append(.rule(id: id, pattern: rule.pattern, runner: rule.runner))
        undo.append(sequence, .rule(id: id, previous: previous))
        responses.enqueueMutation(client, requestID: requestID, sequence: sequence)
    }

    func removeRule(_ id: Bytes, requestID: Bytes, client: ClientTag, format: AnswerFormat) {
        guard let previous = rules.remove(id) else {
            return answerNotFound(client, requestID, format: format)
        }
        let sequence = append(.ruleRemoval(id: id))
        undo.append(sequence, .rule(id: id, previous: previous))
        responses.enqueueMutation(client, requestID: requestID, sequence: sequence)
    }

    /// HTTP `GET /rules/{id}` (D-http-api): the rule as one JSON object with its arguments.
    func getRule(_ id: Bytes, requestID: Bytes, client: ClientTag, format: AnswerFormat) {
        guard let rule = rules[id] else { return answerNotFound(client, requestID, format: format) }
        var out: [UInt8] = []
        JSONEncoder.appendRule(id: id, pattern: rule.pattern, runner: rule.runner, withArgs: true, to: &out)
        answer(client, out, requestID: requestID)
    }
}
