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
                continue  // the connection closed meanwhile
            }
            connection.inFlight -= envelope.count
            deliver(connection, &bytes)
            buffers.answerBuffers.give(consume bytes)
            if connection.pendingOutputCount > config.outputHardLimit {
                logger.warning("client \(connection.peer?.description ?? "unknown") does not read its replies: disconnected")
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

    /// Writes as much pending output as the socket takes.
    func flush(_ connection: Connection) {
        if !connection.plaintextOutput.isEmpty {
            // Encrypted from the connection's own buffer, emptied only afterwards: emptying a
            // copy still shared with the buffer would allocate a new one on every flush.
            encryptOutput(connection, connection.plaintextOutput)
            guard isOpen(connection) else { return }
            connection.plaintextOutput.removeAll(keepingCapacity: connection.plaintextOutput.count <= 64 * 1024)
        }
        while connection.pendingSocketCount > 0 {
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
        updateInterest(connection)
    }

    /// Decides what the connection waits for next, and closes it once a drain has finished.
    func settle(_ connection: Connection) {
        guard isOpen(connection) else { return }
        if connection.lifecycle.isClosed {
            if connection.pendingOutputCount == 0 { close(connection) } else { updateInterest(connection) }
            return
        }
        if connection.lifecycle.isDraining, connection.inFlight == 0, connection.pendingOutputCount == 0,
            !isBlocked(connection)
        {
            // Whatever is left is an incomplete request: discarded at EOF (SPEC Q29).
            close(connection)
            return
        }
        updateInterest(connection)
    }

    func updateInterest(_ connection: Connection) {
        var wanted: UInt32 = 0
        if !connection.lifecycle.isDraining, !connection.lifecycle.isClosed, !isBlocked(connection) {
            wanted |= Epoll.readable
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
