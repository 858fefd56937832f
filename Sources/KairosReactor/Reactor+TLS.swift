import KairosProtocol
import KairosSystem

// MARK: - TLS as a byte transformer (ARCHITECTURE rule 7)
//
// Socket I/O stays here: ciphertext read from the socket is fed to the session, plaintext comes
// out into a reactor-wide buffer and goes through the same path as a plaintext read (only an
// incomplete request stays with the connection); replies are encrypted into the connection's
// output and written like plaintext would be.

extension Reactor {
    func startTLS(_ connection: Connection, context: TLSContext) {
        do {
            connection.tls = try TLSSession(context: context)
        } catch {
            logger.warning("tls: cannot create a session: \(error)")
            close(connection)
        }
    }

    /// Ciphertext from the socket: decrypt all of it, then parse whatever plaintext it gave.
    /// The plaintext goes to one reactor-wide buffer and is parsed straight from it, as a
    /// plaintext read is, so a connection keeps bytes only for an incomplete request.
    func receiveCiphertext(_ connection: Connection, _ bytes: UnsafeRawBufferPointer) {
        tlsPlaintext.removeAll(keepingCapacity: tlsPlaintext.capacity <= 256 * 1024)
        var offset = 0
        var peerClosed = false
        reading: while offset < bytes.count || offset == 0 {
            let accepted = connection.tls?.receiveCiphertext(UnsafeRawBufferPointer(rebasing: bytes[offset...])) ?? 0
            offset += accepted
            guard let progress = connection.tls?.readPlaintext(into: &tlsPlaintext, chunk: tlsChunk) else { return }
            switch progress {
            case .handshaking:
                break
            case .established:
                noteHandshakeCompleted(connection)
            case .peerClosed:
                // A client that writes and closes at once sends its Finished, its requests and
                // close_notify in one flight: the handshake completed on the way.
                noteHandshakeCompleted(connection)
                peerClosed = true
                break reading
            case .failed(let error):
                if connection.lifecycle.isHandshaking {
                    metrics?.countHandshake(connection.isHTTP ? .http : .line, completed: false)
                }
                logger.debug("tls: \(connection.peer?.description ?? "client"): \(error)")
                close(connection)  // sends the pending alert, best effort
                return
            }
            if accepted == 0 { break }
        }
        moveCiphertext(connection)
        // What preceded close_notify is answered like any other input (docs/protocol.md#connections), AUTH included:
        // input ends only after it has been parsed.
        tlsPlaintext.withUnsafeBytes { receivePlaintext(connection, $0) }
        guard isOpen(connection) else { return }
        if peerClosed { inputEnded(connection) }
        if isOpen(connection), connection.pendingSocketCount > 0 { markDirty(connection) }
    }

    /// The session reports its handshake done: the connection moves on to AUTH or to requests.
    private func noteHandshakeCompleted(_ connection: Connection) {
        guard connection.lifecycle.isHandshaking, connection.tls?.isHandshakeComplete == true else { return }
        metrics?.countHandshake(connection.isHTTP ? .http : .line, completed: true)
        let action = connection.lifecycle.handshakeCompleted(now: Clock.monotonicNanoseconds())
        if case .scheduleDeadline(let deadline) = action {
            authDeadlines.append(deadline: deadline, client: connection.tag)
        }
    }

    /// Encrypts pending replies into the connection's output until `TLSSession.sendLimit` bytes
    /// of ciphertext wait for the socket; the rest stays plaintext until the socket takes those.
    func encryptOutput(_ connection: Connection) {
        while connection.pendingPlaintextCount > 0 {
            let room = TLSSession.sendLimit - connection.pendingSocketCount
            guard room > 0 else { return }
            let start = connection.plaintextStart
            let end = start + min(room, connection.pendingPlaintextCount)
            let result = connection.plaintextOutput.withUnsafeBytes { raw in
                connection.tls?.writePlaintext(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
            }
            switch result {
            case .success(let count)?:
                connection.consumePlaintext(count)
                let moved = moveCiphertext(connection)
                if count == 0 && moved == 0 {
                    close(connection)
                    return
                }
            case .failure(let error)?:
                logger.debug("tls: cannot encrypt a reply: \(error)")
                close(connection)
                return
            case nil:
                return
            }
        }
    }

    /// Moves the session's pending ciphertext (handshake records, replies, alerts) to the output.
    @discardableResult
    func moveCiphertext(_ connection: Connection) -> Int {
        let count = connection.tls?.pendingCiphertextCount ?? 0
        guard count > 0 else { return 0 }
        let start = connection.output.count
        connection.output.append(contentsOf: repeatElement(0, count: count))
        let taken = connection.output.withUnsafeMutableBytes { raw in
            connection.tls?.takeCiphertext(into: UnsafeMutableRawBufferPointer(rebasing: raw[start...])) ?? 0
        }
        connection.output.removeLast(count - taken)
        return taken
    }

    /// Queues close_notify (or a pending alert) and tries one non-blocking write of what is left.
    func sendFinalTLSRecords(_ connection: Connection) {
        guard connection.tls != nil else { return }
        connection.tls?.close()
        moveCiphertext(connection)
        let start = connection.outputStart
        guard connection.pendingSocketCount > 0 else { return }
        _ = connection.output.withUnsafeBytes { raw in
            try? connection.descriptor.write(UnsafeRawBufferPointer(rebasing: raw[start...]))
        }
    }
}
