import KairosProtocol
import KairosSystem

// MARK: - Answers and writing

extension Reactor {
    /// Moves every answer the core has published to its connection's output.
    func drainResponses() {
        while var envelope = responses.pop() {
            globalInFlight -= envelope.count
            // Taken out of the envelope so this is the only reference when it is recycled.
            var bytes: [UInt8] = []
            swap(&bytes, &envelope.bytes)
            let slot = Int(envelope.client.slot)
            guard slot < slots.count, let connection = slots[slot], connection.tag == envelope.client else {
                buffers.answerBuffers.give(consume bytes)
                // The connection closed meanwhile; its paused listings can be dropped.
                if envelope.wantsDrainNotice { notifyCore(OutputNotice(client: envelope.client, closed: true)) }
                continue
            }
            connection.inFlight -= envelope.count
            if connection.isHTTP {
                deliverHTTP(connection, bytes, finished: envelope.count > 0)
            } else {
                deliver(connection, &bytes)
            }
            buffers.answerBuffers.give(consume bytes)
            // Answered in `flush`, once the socket has taken enough of the output.
            if envelope.wantsDrainNotice { connection.drainNoticeWanted = true }
            if connection.pendingOutputCount > config.outputHardLimit {
                logger.warning("client \(connection.peer?.description ?? "unknown") does not read its replies: disconnected")
                metrics?.countDrop(.slowReader)
                close(connection)
            }
        }
    }

    /// Queues an answer from the core. With nothing pending the answer buffer becomes the
    /// output as is and `bytes` is left holding the connection's old, empty output buffer;
    /// otherwise the answer is copied. Either way `bytes` is then free for the core to reuse.
    private func deliver(_ connection: Connection, _ bytes: inout [UInt8]) {
        if connection.tls == nil, connection.pendingOutputCount == 0 {
            connection.outputStart = 0
            swap(&connection.output, &bytes)
            markDirty(connection)
        } else {
            enqueueOutput(connection, bytes)
        }
    }

    /// Appends reply bytes; the socket write happens once per loop iteration in `flushDirty`.
    func enqueueOutput(_ connection: Connection, _ bytes: [UInt8]) {
        if connection.tls != nil {
            connection.plaintextOutput.append(contentsOf: bytes)
        } else if connection.pendingOutputCount == 0, connection.output.isEmpty {
            connection.output = bytes
        } else {
            connection.output.append(contentsOf: bytes)
        }
        markDirty(connection)
    }

    func markDirty(_ connection: Connection) {
        dirty.append(connection)
    }

    func flushDirty() {
        guard !dirty.isEmpty else { return }
        // Two lists swapped back and forth, so a flush copies and allocates nothing; flushing
        // may mark connections dirty again, and those wait for the next round.
        swap(&dirty, &flushing)
        for connection in flushing where isOpen(connection) {
            flush(connection)
            if isOpen(connection) { pump(connection) }
        }
        flushing.removeAll(keepingCapacity: true)
    }

    /// Writes as much pending output as the socket takes. Under TLS, replies are encrypted in
    /// slices of at most `TLSSession.sendLimit` bytes of ciphertext, each once the socket has
    /// taken the previous one.
    func flush(_ connection: Connection) {
        while true {
            if connection.pendingPlaintextCount > 0 {
                encryptOutput(connection)
                guard isOpen(connection) else { return }
            }
            guard connection.pendingSocketCount > 0 else { break }
            let start = connection.outputStart
            let result: IOResult<Int>
            do {
                result = try connection.output.withUnsafeBytes { (raw) throws(Errno) in
                    try connection.descriptor.write(UnsafeRawBufferPointer(rebasing: raw[start...]))
                }
            } catch {
                close(connection)
                return
            }
            switch result {
            case .wouldBlock:
                offerDrainNotice(connection)
                updateInterest(connection)
                return
            case .processed(let count):
                connection.consumeOutput(count)
            }
        }
        if connection.lifecycle.isClosed {
            close(connection)  // a final AUTH `ERROR` has been sent
            return
        }
        offerDrainNotice(connection)
        updateInterest(connection)
    }

    /// Lets the core resume the connection's listings once its unsent output is below the
    /// low-water mark (D-limits): the core then writes more while the socket still has some to send.
    private func offerDrainNotice(_ connection: Connection) {
        guard connection.drainNoticeWanted, connection.pendingOutputCount <= config.outputLowWater else { return }
        connection.drainNoticeWanted = false
        notifyCore(OutputNotice(client: connection.tag, closed: false))
    }

    /// Queues a notice for the core, which is woken with the next batch of requests.
    func notifyCore(_ notice: OutputNotice) {
        if !unsentNotices.isEmpty || !outputNotices.push(notice) {
            unsentNotices.append(notice)
        }
        requestsPushed = true
    }

    /// Retries the notices the ring had no room for (the core drains it every turn).
    func resendNotices() {
        guard !unsentNotices.isEmpty else { return }
        var sent = 0
        while sent < unsentNotices.count, outputNotices.push(unsentNotices[sent]) { sent += 1 }
        unsentNotices.removeFirst(sent)
        if sent > 0 { requestsPushed = true }
    }

    /// Decides what the connection waits for next, and closes it once a drain has finished.
    func settle(_ connection: Connection) {
        guard isOpen(connection) else { return }
        if connection.lifecycle.isClosed {
            if connection.pendingOutputCount == 0 { close(connection) } else { updateInterest(connection) }
            return
        }
        if connection.lifecycle.isDraining, connection.inFlight == 0, connection.pendingOutputCount == 0,
            connection.pendingInputCount == 0 || !isBlocked(connection)
        {
            // Whatever is left is an incomplete request: discarded at EOF (docs/protocol.md#connections). Complete
            // requests held back by the global limit are still to come (it is in `stalled`);
            // with nothing buffered there is nothing to wait for, however full the ring is.
            close(connection)
            return
        }
        updateInterest(connection)
    }

    func updateInterest(_ connection: Connection) {
        var wanted: UInt32 = 0
        if !connection.lifecycle.isDraining, !connection.lifecycle.isClosed {
            if !isBlocked(connection) {
                wanted |= Epoll.readable
            } else if globalInFlight >= globalInFlightLimit {
                // Blocked by the other connections' requests, not its own: nothing of its own
                // (an answer, a writable socket) would give it another turn, so it waits in
                // `stalled` for ring capacity, whether or not it has bytes buffered.
                stallOnRing(connection)
            }
        }
        if connection.pendingSocketCount > 0 { wanted |= Epoll.writable }
        guard wanted != connection.interest else { return }
        do {
            try epoll.modify(connection.descriptor, events: wanted, data: Self.token(connection.tag))
            connection.interest = wanted
        } catch {
            close(connection)
        }
    }

    /// Queues the connection for `resumeStalled` (once, however often it is blocked meanwhile).
    func stallOnRing(_ connection: Connection) {
        guard !connection.stalledOnRing else { return }
        connection.stalledOnRing = true
        stalled.append(connection)
    }

    /// Connections that waited for ring capacity get another turn once answers freed some.
    func resumeStalled() {
        guard !stalled.isEmpty, globalInFlight < globalInFlightLimit else { return }
        swap(&stalled, &resuming)
        for connection in resuming {
            connection.stalledOnRing = false
            pump(connection)
        }
        resuming.removeAll(keepingCapacity: true)
    }
}
