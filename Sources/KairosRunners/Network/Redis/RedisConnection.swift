import KairosProtocol
import KairosSystem
import KairosTLS

/// What a connection needs from the client that owns it.
protocol RedisConnectionOwner: AnyObject {
    /// False once the runner cancelled the call: its reply is then read and ignored.
    func isLive(_ id: UInt64) -> Bool
    func finish(_ id: UInt64, _ result: NetworkResult)
    /// A fresh epoll key for a new socket, so readiness for a closed socket is never taken for
    /// its successor's.
    func attach(_ connection: RedisConnection) -> UInt32
    func detach(key: UInt32)
    /// Looks a host name up off the runner thread; the answer comes back through `resolved`.
    func lookUp(host: String, port: UInt16, for connection: RedisConnection) throws(Errno) -> UInt64
}

/// One run's command, waiting to be written or for its reply.
struct RedisPending {
    let id: UInt64
    let command: Bytes
    /// Set when the call already moved once from a broken reused connection to a new one (D-network-runners).
    let reopened: Bool
}

/// The one connection kept per redis URL (D-network-runners): opened on first use, AUTH and SELECT sent once
/// after it opens, then every run's command pipelined on it; replies come back in order and
/// are matched to the commands in `slots`. Owned and driven by `RedisClient` on the runner thread.
///
/// Phases: `closed` → `resolving` (names only) → `connecting` → `handshaking` (rediss only) →
/// `settingUp` (AUTH/SELECT replies awaited; commands held back, so a refused AUTH never lets a
/// pipelined command through) → `ready`. A connection that breaks while `ready` moves its calls,
/// each at most once, to a new connection; in any other phase the break fails them.
final class RedisConnection {
    private enum Phase {
        case closed
        case resolving(token: UInt64, since: Int64)
        case connecting(Socket, since: Int64)
        case handshaking(Socket, since: Int64)
        case settingUp(Socket)
        case ready(Socket)
    }

    /// An open socket and the epoll key it is watched under.
    struct Socket {
        let fd: FileDescriptor
        let key: UInt32
    }

    /// What a written command's reply answers.
    private enum Slot {
        case setup(String)
        case call(RedisPending)
    }

    let endpoint: RedisEndpoint
    private unowned let owner: any RedisConnectionOwner
    private let io: RedisIO
    private var phase: Phase = .closed
    private var addresses: [PeerAddress] = []
    /// Calls not yet written: while the connection opens, or after a break.
    private var waiting = FIFOQueue<RedisPending>()
    /// Written commands in order, with when each was written (for the reply bound).
    private var slots = FIFOQueue<(slot: Slot, at: Int64)>()
    private var stream: RedisStream

    init(endpoint: RedisEndpoint, owner: any RedisConnectionOwner, io: RedisIO) {
        self.endpoint = endpoint
        self.owner = owner
        self.io = io
        self.stream = RedisStream(io: io)
    }

    // MARK: Runs

    func start(_ pending: RedisPending, now: Int64) {
        waiting.append(pending)
        switch phase {
        case .closed: open(now: now)
        case .ready(let socket): writeWaiting(socket, now: now)
        case .resolving, .connecting, .handshaking, .settingUp: break
        }
    }

    /// The next time `tick` must run: the open bound while opening, the reply bound of the
    /// oldest unanswered command afterwards, nil when idle.
    var nextWakeup: Int64? {
        switch phase {
        case .closed: return nil
        case .resolving(_, let since), .connecting(_, let since), .handshaking(_, let since): return since + io.connectNs
        case .settingUp, .ready: return slots.first.map { $0.at + io.replyNs }
        }
    }

    func tick(now: Int64) {
        guard let due = nextWakeup, due <= now else { return }
        switch phase {
        case .resolving, .connecting, .handshaking:
            breakDown("\(endpoint.redacted): connect timed out after \(io.connectNs / 1_000_000) ms", reopen: false, now: now)
        case .settingUp, .ready:
            breakDown("\(endpoint.redacted): no reply within \(io.replyNs / 1_000_000) ms", reopen: false, now: now)
        case .closed: break
        }
    }

    /// The client is closing: drop the socket, report nothing.
    func shutDown() {
        waiting.removeAll()
        slots.removeAll()
        dropSocket()
        phase = .closed
    }

    // MARK: Opening

    private func open(now: Int64) {
        if let address = PeerAddress.numeric(host: endpoint.host, port: endpoint.port) {
            addresses = [address]
            connectNext(now: now, since: now, lastError: nil)
            return
        }
        do {
            let token = try owner.lookUp(host: endpoint.host, port: endpoint.port, for: self)
            phase = .resolving(token: token, since: now)
        } catch {
            phase = .closed
            failAll("\(endpoint.redacted): cannot start a lookup: \(error)")
        }
    }

    /// The resolver's answer for lookup `token`; stale answers are ignored.
    func resolved(token: UInt64, _ result: Result<[PeerAddress], HostResolver.ResolveError>, now: Int64) {
        guard case .resolving(let expected, let since) = phase, expected == token else { return }
        switch result {
        case .success(let found):
            addresses = found
            connectNext(now: now, since: since, lastError: nil)
        case .failure(let error):
            phase = .closed
            failAll("\(endpoint.redacted): \(error)")
        }
    }

    /// Tries the next address; with none left, fails the waiting calls with the last error.
    private func connectNext(now: Int64, since: Int64, lastError: Errno?) {
        while !addresses.isEmpty {
            let address = addresses.removeFirst()
            do {
                let (fd, connected) = try address.connect()
                let socket = Socket(fd: fd, key: owner.attach(self))
                do {
                    try io.registrar.watch(fd, events: Epoll.readable | Epoll.writable, key: socket.key)
                } catch {
                    owner.detach(key: socket.key)
                    fd.close()
                    throw error
                }
                if connected { established(socket, since: since, now: now) } else { phase = .connecting(socket, since: since) }
                return
            } catch {
                if addresses.isEmpty {
                    phase = .closed
                    failAll("\(endpoint.redacted): connect: \(error)")
                    return
                }
            }
        }
        phase = .closed
        failAll("\(endpoint.redacted): connect: \(lastError.map { "\($0)" } ?? "no address")")
    }

    /// TCP is up: start TLS (still under the open bound that began at `since`), or go straight
    /// to AUTH/SELECT.
    private func established(_ socket: Socket, since: Int64, now: Int64) {
        guard endpoint.tls else {
            setUp(socket, now: now)
            return
        }
        do {
            try stream.startTLS(serverName: endpoint.host)
        } catch {
            phase = .settingUp(socket)
            breakDown("\(endpoint.redacted): \(error)", reopen: false, now: now)
            return
        }
        phase = .handshaking(socket, since: since)
        pump(socket, now: now)
    }

    /// Sends AUTH and SELECT as the URL asks (docs/protocol.md#runners), or makes the connection ready at once.
    private func setUp(_ socket: Socket, now: Int64) {
        var commands: [(String, Bytes)] = []
        if let password = endpoint.password {
            let arguments = endpoint.user.map { [Array("AUTH".utf8), $0, password] } ?? [Array("AUTH".utf8), password]
            commands.append(("AUTH", RESP.command(arguments)))
        }
        if endpoint.db != 0 {
            commands.append(("SELECT", RESP.command([Array("SELECT".utf8), Array(String(endpoint.db).utf8)])))
        }
        guard !commands.isEmpty else {
            phase = .ready(socket)
            writeWaiting(socket, now: now)
            return
        }
        phase = .settingUp(socket)
        for (name, bytes) in commands {
            stream.queue(bytes)
            slots.append((.setup(name), now))
        }
        pump(socket, now: now)
    }

    // MARK: Readiness

    func handle(key: UInt32, events: UInt32, now: Int64) {
        switch phase {
        case .connecting(let socket, let since) where socket.key == key:
            if let error = PeerAddress.connectResult(socket.fd) {
                dropSocket()
                connectNext(now: now, since: since, lastError: error)
            } else if events & Epoll.writable != 0 || events & Epoll.hangup != 0 {
                established(socket, since: since, now: now)
            }
        case .handshaking(let socket, _) where socket.key == key: pump(socket, now: now)
        case .settingUp(let socket) where socket.key == key: pump(socket, now: now)
        case .ready(let socket) where socket.key == key: pump(socket, now: now)
        default: break
        }
    }

    /// Moves bytes both ways, then acts on the replies that arrived.
    private func pump(_ socket: Socket, now: Int64) {
        let exchange = stream.exchange(socket.fd)
        if case .failed(let reason) = exchange {
            breakDown("\(endpoint.redacted): \(reason)", reopen: true, now: now)
            return
        }
        if case .handshaking = phase, stream.isTLSEstablished {
            setUp(socket, now: now)
            return
        }
        while true {
            let reply: RESP.Reply?
            do {
                reply = try stream.nextReply()
            } catch {
                breakDown("\(endpoint.redacted): \(error)", reopen: false, now: now)
                return
            }
            guard let reply else { break }
            guard let (slot, _) = slots.popFirst() else {
                breakDown("\(endpoint.redacted): reply to no command", reopen: false, now: now)
                return
            }
            switch slot {
            case .setup(let name):
                if case .error(let text) = reply {
                    breakDown("\(endpoint.redacted): \(name) refused: \(text)", reopen: false, now: now)
                    return
                }
                if slots.isEmpty, case .settingUp(let socket) = phase {
                    phase = .ready(socket)
                    writeWaiting(socket, now: now)
                }
            case .call(let pending):
                guard owner.isLive(pending.id) else { continue }
                switch reply {
                case .error(let text): owner.finish(pending.id, .failed("\(endpoint.redacted): \(text)"))
                case .value(let text): owner.finish(pending.id, .succeeded(text))
                }
            }
        }
        if exchange == .peerClosed {
            breakDown("\(endpoint.redacted): connection closed by the server", reopen: true, now: now)
            return
        }
        stream.updateInterest(socket.fd, key: socket.key)
    }

    /// Writes every waiting live call's command.
    private func writeWaiting(_ socket: Socket, now: Int64) {
        while let pending = waiting.popFirst() {
            guard owner.isLive(pending.id) else { continue }
            stream.queue(pending.command)
            slots.append((.call(pending), now))
        }
        pump(socket, now: now)
    }

    // MARK: Breaking

    /// The connection is unusable: close it; calls it held move once to a new connection when
    /// `reopen` allows and the connection had been ready (a reused connection that turned out
    /// broken, D-network-runners), else they fail with `reason`.
    private func breakDown(_ reason: String, reopen: Bool, now: Int64) {
        let wasReady = if case .ready = phase { true } else { false }
        var held: [RedisPending] = []
        while let (slot, _) = slots.popFirst() {
            if case .call(let pending) = slot { held.append(pending) }
        }
        while let pending = waiting.popFirst() { held.append(pending) }
        dropSocket()
        phase = .closed
        for pending in held where owner.isLive(pending.id) {
            if reopen && wasReady && !pending.reopened {
                waiting.append(RedisPending(id: pending.id, command: pending.command, reopened: true))
            } else {
                owner.finish(pending.id, .failed(reason))
            }
        }
        if !waiting.isEmpty {
            io.logger.debug("runner: \(reason); reopening the connection for \(waiting.count) run(s)")
            open(now: now)
        }
    }

    private func failAll(_ reason: String) {
        var held: [RedisPending] = []
        while let (slot, _) = slots.popFirst() {
            if case .call(let pending) = slot { held.append(pending) }
        }
        while let pending = waiting.popFirst() { held.append(pending) }
        for pending in held where owner.isLive(pending.id) { owner.finish(pending.id, .failed(reason)) }
    }

    private func dropSocket() {
        switch phase {
        case .connecting(let socket, _), .handshaking(let socket, _), .settingUp(let socket), .ready(let socket):
            io.registrar.unwatch(socket.fd)
            owner.detach(key: socket.key)
            socket.fd.close()
        case .closed, .resolving:
            break
        }
        stream = RedisStream(io: io)
    }
}
