import KairosProtocol

/// QUERY and LISTRULES answers written in bounded parts (D-limits), so one connection's huge listing
/// neither stalls other connections and due jobs nor sits in memory whole.
extension SchedulerCore {
    /// Written while the request is handled. An answer that fits is queued whole, exactly as a
    /// short answer always was; a longer one keeps this first part and continues in its
    /// connection's lane (`PendingResponses`).
    static let firstPartBytes = 16 * 1024
    /// A later part: whole lines until it holds at least this many bytes.
    static let partBytes = 64 * 1024
    /// Records a part may examine, so a part that shows few of them (namespace filtering) is
    /// still a bounded amount of work.
    static let partScanLimit = 16 * 1024
    /// The most answer bytes the core writes in one turn over all lanes, so the turn gets back
    /// to requests and due jobs soon.
    static let turnPartBytes = 256 * 1024

    /// Answers a QUERY or LISTRULES: whole if it fits in the first part, otherwise in parts.
    func answerListing(_ client: ClientTag, _ source: AnswerStream.Source, format: AnswerFormat, requestID: Bytes) {
        var stream = AnswerStream(source, format: format)
        var out: [UInt8] = []
        out.reserveCapacity(256)
        if format == .json { out.append(UInt8(ascii: "[")) }
        if writePart(of: &stream, requestID: requestID, budget: Self.firstPartBytes, into: &out) {
            return answer(client, out, requestID: requestID)
        }
        stream.firstPart = out
        responses.enqueueStream(client, stream, requestID: requestID, after: lastAppended)
    }

    /// Appends the next whole lines of `stream` to `out` until it holds `budget` bytes or
    /// `partScanLimit` records were examined; appends the final `OK` and returns true once the
    /// listing is complete.
    func writePart(of stream: inout AnswerStream, requestID: Bytes, budget: Int, into out: inout [UInt8]) -> Bool {
        let finished: Bool
        switch stream.source {
        case .jobs(let range, let namespace):
            finished = writeJobs(
                &stream, range: range, namespace: namespace, requestID: requestID, budget: budget, &out)
        case .rules(let namespace, let prefix):
            finished = writeRules(
                &stream, namespace: namespace, prefix: prefix, requestID: requestID, budget: budget, &out)
        }
        if finished {
            switch stream.format {
            case .line: ResponseEncoder.appendOK(id: requestID, to: &out)
            case .json: out.append(UInt8(ascii: "]"))
            }
        }
        return finished
    }

    /// Walks only the ids under the range, in id order.
    private func writeJobs(
        _ stream: inout AnswerStream, range: Bytes?, namespace: Namespace, requestID: Bytes, budget: Int,
        _ out: inout [UInt8]
    ) -> Bool {
        guard let range else { return true }
        let resumeAfter = stream.resumeAfter
        var finished = true
        var examined = 0
        var last: Bytes?
        var skipResumePoint = resumeAfter != nil
        jobs.forEachOrdered(from: resumeAfter ?? range) { record in
            // One copy of the id per job walked (short ids live inside the record).
            let id = record.id
            // The walk starts at the resume point itself when that id still exists: skip it.
            if skipResumePoint {
                skipResumePoint = false
                if id == resumeAfter { return true }
            }
            guard ByteOrder.hasPrefix(id, range) else { return false }
            if out.count >= budget || examined >= Self.partScanLimit {
                finished = false
                return false
            }
            examined += 1
            last = id
            if NamespacePolicy.queryShows(jobID: id, in: namespace), stream.format == .json {
                if stream.wroteRecord { out.append(UInt8(ascii: ",")) }
                stream.wroteRecord = true
                if !recurring.isEmpty, let schedule = recurring[record.recurring] {
                    RecurringJSON.appendJob(id: id, record: record, schedule, to: &out)
                } else {
                    JSONEncoder.appendJob(id: id, status: record.status, execution: record.execution, to: &out)
                }
            } else if NamespacePolicy.queryShows(jobID: id, in: namespace) {
                ResponseEncoder.beginLine(id: requestID, to: &out)
                out.append(contentsOf: id)
                ResponseEncoder.appendSpace(&out)
                ResponseEncoder.append(record.status.name, to: &out)
                ResponseEncoder.appendSpace(&out)
                ResponseEncoder.appendDecimal(record.execution, to: &out)
                ResponseEncoder.endLine(&out)
            }
            return true
        }
        if let last { stream.resumeAfter = last }
        return finished
    }

    private func writeRules(
        _ stream: inout AnswerStream, namespace: Namespace, prefix: Bytes, requestID: Bytes, budget: Int,
        _ out: inout [UInt8]
    ) -> Bool {
        let resumeAfter = stream.resumeAfter
        var finished = true
        var examined = 0
        var last: Bytes?
        var skipResumePoint = resumeAfter != nil
        rules.forEachSorted(from: resumeAfter ?? prefix) { id, rule in
            // The walk starts at the resume point itself when that id still exists: skip it.
            if skipResumePoint {
                skipResumePoint = false
                if id == resumeAfter { return true }
            }
            guard ByteOrder.hasPrefix(id, prefix) else { return false }
            if out.count >= budget || examined >= Self.partScanLimit {
                finished = false
                return false
            }
            examined += 1
            last = id
            guard NamespacePolicy.listRulesShows(ruleID: id, in: namespace) else { return true }
            if stream.format == .json {
                if stream.wroteRecord { out.append(UInt8(ascii: ",")) }
                stream.wroteRecord = true
                JSONEncoder.appendRule(id: id, pattern: rule.pattern, runner: rule.runner, withArgs: false, to: &out)
                return true
            }
            ResponseEncoder.beginLine(id: requestID, to: &out)
            out.append(contentsOf: id)
            ResponseEncoder.appendSpace(&out)
            out.append(contentsOf: rule.pattern)
            ResponseEncoder.appendSpace(&out)
            ResponseEncoder.appendRunner(rule.runner, to: &out)
            ResponseEncoder.endLine(&out)
            return true
        }
        if let last { stream.resumeAfter = last }
        return finished
    }

    /// Continues the listings of every connection that is not paused, a bounded amount per
    /// call. `partRoom` is how many partial answers the response ring can take.
    func advanceListings(partRoom: Int, _ emit: (ResponseEnvelope) -> Void) {
        guard responses.hasLanes else { return }
        responses.advanceLanes(
            partRoom: partRoom, byteBudget: Self.turnPartBytes,
            // Entries through `discardedThrough` are settled too: failed, undone and discarded.
            partsReadyAt: max(durableSeen, discardedThrough) >= lastAppended ? nil : lastAppended,
            write: { stream, requestID, out in
                self.writePart(of: &stream, requestID: requestID, budget: Self.partBytes, into: &out)
            }, emit)
    }

    /// The reactor reports that `client`'s unsent output has drained below its low-water mark,
    /// or that the connection closed: resume its listings, or drop them.
    public func outputDrained(_ notice: OutputNotice) {
        responses.outputDrained(notice.client, closed: notice.closed)
    }

    /// Some connection has a listing to continue now (the core loop must not sleep).
    public var hasListingWork: Bool { responses.hasAdvanceableLane }
}
