import Glibc
import KairosProtocol
import KairosSystem

// MARK: - Accepting connections (D-connections, D-limits)

extension Reactor {
    /// Accepts up to this turn's budget. Connections past `maxConnections` are accepted and
    /// closed at once, so the backlog keeps moving and the descriptors of the reserve stay free
    /// for the logfile, compaction and runners.
    func acceptAll(http: Bool) {
        guard let listener = http ? httpListener : listener else { return }
        while acceptBudget > 0 {
            acceptBudget -= 1
            do {
                switch try listener.accept() {
                case .wouldBlock:
                    return
                case .processed(let (descriptor, peer)):
                    if liveConnections >= config.maxConnections {
                        descriptor.close()
                        noteRefused()
                    } else {
                        register(descriptor, peer: peer, isHTTP: http)
                    }
                }
            } catch {
                switch AcceptReaction.reacting(to: error, spareAvailable: spareDescriptor != nil) {
                case .skip:
                    logger.debug("reactor: accept failed: \(error)")
                case .shed:
                    shedOneConnection(listener)
                    return
                case .pause:
                    noteAcceptFailure(error)
                    pauseListener()
                    return
                }
            }
        }
    }

    private func noteRefused() {
        metrics?.countDrop(.maxConnections)
        guard let count = refusedLog.record(now: Clock.monotonicNanoseconds()) else { return }
        logger.warning(
            "reactor: max_connections (\(config.maxConnections)) reached; refused \(count) connection(s) (\(refusedLog.total) in all)"
        )
    }

    private func noteAcceptFailure(_ error: Errno) {
        guard let count = acceptFailureLog.record(now: Clock.monotonicNanoseconds()) else { return }
        let reason = error == .tooManyOpenFiles || error == .tooManyOpenFilesInSystem ? "out of file descriptors" : "\(error)"
        logger.warning("reactor: cannot accept (\(reason)); \(count) failure(s) since the last report")
    }

    /// Out of descriptors: free the spare, accept the waiting client and close it at once, so the
    /// listener stops reporting readable instead of spinning (level-triggered). If the spare
    /// cannot be had back (another thread took the number), the next EMFILE pauses the listener.
    private func shedOneConnection(_ listener: Listener) {
        noteAcceptFailure(.tooManyOpenFiles)
        spareDescriptor?.close()
        spareDescriptor = nil
        if case .processed(let (descriptor, _))? = try? listener.accept() { descriptor.close() }
        spareDescriptor = try? FileDescriptor.open("/dev/null", flags: O_RDONLY)
    }

    /// Stops watching the listeners until `AcceptReaction.pauseNs` from now; pending clients
    /// wait in the backlog meanwhile. Both pause: the shortage is the process's, whichever
    /// port met it.
    private func pauseListener() {
        guard listenerPausedUntil == nil else { return }
        listenerPausedUntil = Clock.monotonicNanoseconds() + AcceptReaction.pauseNs
        for (listener, token) in [(listener, Self.listenerToken), (httpListener, Self.httpListenerToken)] {
            guard let listener else { continue }
            do {
                try epoll.modify(listener.descriptor, events: 0, data: token)
            } catch {
                logger.error("reactor: cannot pause the listener: \(error)")
            }
        }
    }

    func resumeListener() {
        listenerPausedUntil = nil
        if spareDescriptor == nil { spareDescriptor = try? FileDescriptor.open("/dev/null", flags: O_RDONLY) }
        for (listener, token) in [(listener, Self.listenerToken), (httpListener, Self.httpListenerToken)] {
            guard let listener else { continue }
            do {
                try epoll.modify(listener.descriptor, events: Epoll.readable, data: token)
            } catch {
                logger.error("reactor: cannot watch the listener again: \(error)")
            }
        }
    }

    func register(_ descriptor: FileDescriptor, peer: SocketAddress?, isHTTP: Bool = false) {
        let slot: UInt32
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = UInt32(slots.count)
            slots.append(nil)
            generations.append(0)
        }
        generations[Int(slot)] &+= 1
        let tag = ClientTag(slot: slot, generation: generations[Int(slot)])
        let now = Clock.monotonicNanoseconds()
        let tlsContext = isHTTP ? config.httpTLS : config.tls
        // HTTP authenticates each request by its bearer token, not the connection by AUTH.
        let lifecycle = ConnectionLifecycle(
            now: now, tls: tlsContext != nil, authRequired: config.auth != nil && !isHTTP,
            timeouts: .init(
                handshakeNs: Int64(config.handshakeTimeoutMs) * 1_000_000,
                authNs: Int64(config.authTimeoutMs) * 1_000_000))
        let connection = Connection(descriptor: descriptor, tag: tag, peer: peer, lifecycle: lifecycle, isHTTP: isHTTP)
        if let deadline = lifecycle.initialDeadline {
            if lifecycle.isHandshaking {
                handshakeDeadlines.append(deadline: deadline, client: tag)
            } else {
                authDeadlines.append(deadline: deadline, client: tag)
            }
        }
        do {
            connection.interest = Epoll.readable
            try epoll.add(descriptor, events: Epoll.readable, data: Self.token(tag))
        } catch {
            logger.warning("reactor: cannot watch a new connection: \(error)")
            descriptor.close()
            freeSlots.append(slot)
            return
        }
        slots[Int(slot)] = connection
        liveConnections += 1
        stats.connections.add(1, ordering: .relaxed)
        if let tlsContext { startTLS(connection, context: tlsContext) }
        logger.debug("client connected: \(peer?.description ?? "unknown")")
    }
}
