import KairosProtocol
import KairosSystem

/// The redis runner (docs/protocol.md#runners as amended by D-network-runners): `<COMMAND> <key> <job-id>` over one
/// connection per URL, reused across runs and pipelined, on the runner thread's epoll set.
/// hiredis encodes the commands and parses the replies; sockets, TLS (`rediss://`, OpenSSL
/// over memory BIOs, as the server side does it), timers and host lookups are Kairos's own.
final class RedisClient: NetworkClient {
    /// The commands a redis rule may name (docs/protocol.md#rule-kinds); the rule parser already enforces them.
    static let commands: Set<Bytes> = [Array("PUBLISH".utf8), Array("RPUSH".utf8), Array("LPUSH".utf8), Array("SET".utf8)]
    /// Key 0 is the resolver's doorbell; sockets take keys from 1 on.
    private static let resolverKey: UInt32 = 0

    private let context: NetworkClientContext
    private let io: RedisIO
    /// One per URL, as written in the rule (two spellings of one server are two connections).
    private var connections: [Bytes: RedisConnection] = [:]
    private var bySocketKey: [UInt32: RedisConnection] = [:]
    private var nextSocketKey: UInt32 = 1
    /// Calls started and neither finished nor cancelled.
    private var live: Set<UInt64> = []
    private var resolver: HostResolver?
    private var lookups: [UInt64: RedisConnection] = [:]
    private var nextLookup: UInt64 = 1

    /// `caFile` replaces the system trust store for `rediss://` (tests use a throwaway CA).
    init(_ context: NetworkClientContext, caFile: String? = nil) {
        self.context = context
        self.io = RedisIO(registrar: context.registrar, logger: context.logger, timeoutMs: context.config.timeoutMs, caFile: caFile)
    }

    func start(_ call: NetworkCall) {
        guard case .redis(let url, let command, let key) = call.runner else {
            context.complete(call.id, .failed("not a redis run"))
            return
        }
        guard Self.commands.contains(command) else {
            context.complete(call.id, .failed("unsupported redis command \(String(decoding: command, as: UTF8.self))"))
            return
        }
        let connection: RedisConnection
        if let existing = connections[url] {
            connection = existing
        } else {
            // Parsed once per URL: the connection keeps the result.
            do {
                connection = RedisConnection(endpoint: try RedisEndpoint.parse(url), owner: self, io: io)
            } catch {
                context.complete(call.id, .failed("invalid redis URL \(RedisEndpoint.redacted(unparsed: url)): \(error)"))
                return
            }
            connections[url] = connection
        }
        live.insert(call.id)
        connection.start(RedisPending(id: call.id, command: RESP.command([command, key, call.jobID]), reopened: false),
                         now: Clock.monotonicNanoseconds())
    }

    /// The reply, if it ever comes, is read and ignored (the connection stays in step).
    func cancel(_ id: UInt64) {
        live.remove(id)
    }

    func handle(key: UInt32, events: UInt32) {
        let now = Clock.monotonicNanoseconds()
        if key == Self.resolverKey {
            for answer in resolver?.takeAnswers() ?? [] {
                lookups.removeValue(forKey: answer.token)?.resolved(token: answer.token, answer.result, now: now)
            }
            return
        }
        bySocketKey[key]?.handle(key: key, events: events, now: now)
    }

    var nextWakeup: Int64? {
        var nearest: Int64?
        for connection in connections.values {
            if let at = connection.nextWakeup { nearest = min(nearest ?? at, at) }
        }
        return nearest
    }

    func tick(now: Int64) {
        for connection in connections.values { connection.tick(now: now) }
    }

    /// Sockets open now (tests check that failures leave none behind).
    var openSockets: Int { bySocketKey.count }

    func close() {
        live.removeAll()
        for connection in connections.values { connection.shutDown() }
        connections.removeAll()
        if let resolver {
            context.registrar.unwatch(resolver.doorbell.descriptor)
            resolver.close()
        }
        resolver = nil
    }
}

// MARK: - What connections ask of their client

extension RedisClient: RedisConnectionOwner {
    func isLive(_ id: UInt64) -> Bool { live.contains(id) }

    func finish(_ id: UInt64, _ result: NetworkResult) {
        guard live.remove(id) != nil else { return }
        context.complete(id, result)
    }

    func attach(_ connection: RedisConnection) -> UInt32 {
        var key = nextSocketKey
        while key == Self.resolverKey || bySocketKey[key] != nil { key &+= 1 }
        nextSocketKey = key &+ 1
        bySocketKey[key] = connection
        return key
    }

    func detach(key: UInt32) {
        bySocketKey.removeValue(forKey: key)
    }

    func lookUp(host: String, port: UInt16, for connection: RedisConnection) throws(Errno) -> UInt64 {
        let resolver: HostResolver
        if let existing = self.resolver {
            resolver = existing
        } else {
            resolver = try HostResolver()
            try context.registrar.watch(resolver.doorbell.descriptor, events: Epoll.readable, key: Self.resolverKey)
            self.resolver = resolver
        }
        let token = nextLookup
        nextLookup += 1
        try resolver.lookUp(host: host, port: port, token: token)
        lookups[token] = connection
        return token
    }
}
