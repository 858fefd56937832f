import ArgumentParser
import CKairos
import KairosSystem

/// A failure outside the checked protocol (threads, descriptors); shown as is.
struct LoadgenError: Error, CustomStringConvertible {
    let description: String
}

/// The command line. Exit status: 0 all replies checked and successful; 1 a failure (a reply
/// out of order or of the wrong shape, a connection closed or refused, the hard deadline);
/// 3 the server answered ERROR where success was expected; 64 bad options.
struct Loadgen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kairos-loadgen",
        abstract: "Load generator for Kairos (and Redis, for comparison), loopback targets only.",
        discussion: """
            Every request gets its own id and every reply is checked against the oldest \
            outstanding request on its connection, in order and by shape; any mismatch ends \
            the run with exit status 1.
            """
    )

    @Option(help: "Target address: 127.0.0.0/8, ::1 or localhost. Nothing else is accepted.")
    var host = "127.0.0.1"
    @Option(help: "Target port.")
    var port = 5678
    @Option(name: [.customShort("c"), .long], help: "Connections (with --connect-only: connections to hold).")
    var connections = 50
    @Option(name: [.customShort("p"), .long], help: "Requests in flight per connection.")
    var pipeline = 1
    @Option(name: [.customShort("d"), .long], help: "Measured seconds (with --connect-only: seconds of STAT probing).")
    var duration = 10.0
    @Option(help: "Seconds of load before measuring.")
    var warmup = 2.0
    @Option(help: "Operation weights: set, get, query, remove, stat, rule, listrules (e.g. set=80,get=20).")
    var mix = "set=80,get=20"
    @Option(help: "Key space size; keys are <key-prefix><zero-padded index>.")
    var keys = 10_000
    @Option(help: "Key prefix (keep it inside the token's namespace when using --auth).")
    var keyPrefix = "k"
    @Flag(help: "SET timestamps in the past so jobs trigger at once (loads the runner path).")
    var dueNow = false
    @Option(help: "SET timestamps this many milliseconds after sending.")
    var dueInMs: Int64?
    @Option(help: "SET every job to this absolute wall-clock time (ns since 1970).")
    var dueAtNs: Int64?
    @Flag(help: "TLS 1.3 (no certificate verification, full handshake per connection).")
    var tls = false
    @Option(help: "AUTH secret sent first on every connection.")
    var auth: String?
    @Flag(help: "Open and hold the connections, report connect/handshake rate, then probe STAT on one more.")
    var connectOnly = false
    @Option(help: "Wire protocol: kairos, redis (RESP arrays, as redis-benchmark and client libraries send) or redis-inline (inline commands).")
    var `protocol` = "kairos"
    @Flag(help: "Print one flat JSON object instead of text.")
    var json = false
    @Option(help: "Client threads (1 or 2).")
    var threads = 1
    @Option(help: "Cap on requests per second for the whole client (0 = closed loop, no cap).")
    var rate = 0.0
    @Option(help: "SET keys 0..<N once each, then stop (B6's million jobs); ignores --mix and -d.")
    var fill: Int?
    @Option(help: "A request (without id) sent once before the load, e.g. 'RULE SET r k shell true'; repeatable.")
    var prelude: [String] = []
    @Option(help: "PID of the server: its CPU time (load runs) or RSS (--connect-only) is read from /proc; --wait-ready stops if it exits.")
    var serverPid: Int?
    @Option(help: "IPv4 source addresses to spread connections over (127.0.0.2 and up); 0 = always 127.0.0.1.")
    var sources = 250
    @Option(help: "Connection setups in flight at once.")
    var connectWindow = 64
    @Option(help: "Seconds allowed for connection setup (and prelude, and each STAT probe).")
    var setupTimeout = 30.0
    @Option(help: "Hard limit in seconds for the load phase (default: warm-up + duration + 30; with --fill: 600).")
    var deadline: Double?
    @Option(help: "Seed for the per-connection random generators.")
    var seed: UInt64 = 1
    @Option(help: "Poll until the server answers STAT (Redis: a GET without error) or this many seconds pass; report the time.")
    var waitReady: Double?
    @Flag(help: "Run the built-in checks of the reply checker and option parsers, then exit.")
    var selfTest = false

    mutating func validate() throws {
        if selfTest { return }
        _ = try target()
        guard WireProtocol(rawValue: `protocol`) != nil else {
            throw ValidationError("--protocol must be kairos, redis or redis-inline")
        }
        guard connections >= 1 else { throw ValidationError("-c must be at least 1") }
        guard (1...65_536).contains(pipeline) else { throw ValidationError("-p must be 1...65536") }
        guard duration > 0, duration <= 3600 else { throw ValidationError("-d must be in (0, 3600] seconds") }
        guard warmup >= 0, warmup <= 600 else { throw ValidationError("--warmup must be 0...600 seconds") }
        guard (1...2).contains(threads), threads <= connections else {
            throw ValidationError("--threads must be 1 or 2 (and at most -c)")
        }
        guard keys >= 1 else { throw ValidationError("--keys must be at least 1") }
        guard rate >= 0 else { throw ValidationError("--rate must be >= 0") }
        guard (0...250).contains(sources) else { throw ValidationError("--sources must be 0...250") }
        guard connectWindow >= 1 else { throw ValidationError("--connect-window must be at least 1") }
        guard setupTimeout > 0, setupTimeout <= 600 else { throw ValidationError("--setup-timeout must be in (0, 600]") }
        if let deadline, !(deadline > 0 && deadline <= 7200) { throw ValidationError("--deadline must be in (0, 7200]") }
        if let fill, fill < 1 { throw ValidationError("--fill must be at least 1") }
        if [dueNow, dueInMs != nil, dueAtNs != nil].filter({ $0 }).count > 1 {
            throw ValidationError("--due-now, --due-in-ms and --due-at-ns exclude each other")
        }
        let parsedMix = try parsedMix()
        if wire.isRedis {
            if let unsupported = parsedMix.operations.first(where: { !$0.redisEquivalent }) {
                throw ValidationError("--mix \(unsupported.name) has no Redis equivalent (redis supports set, get, remove, stat)")
            }
            if !prelude.isEmpty { throw ValidationError("--prelude is for the Kairos protocol only") }
        }
    }

    mutating func run() throws {
        if selfTest {
            let (passed, failed) = SelfTest.run()
            print("\(passed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode(1) }
            return
        }
        let plan = ConnectionPlan(
            target: try target(), wire: wire, tls: tls, auth: auth, window: connectWindow, sources: sources, seed: seed)
        let report: Report
        let status: Int32
        if let waitReady {
            (report, status) = Modes.waitReady(plan: plan, seconds: waitReady, serverPID: serverPid)
        } else if connectOnly {
            (report, status) = try Modes.connectOnly(
                plan: plan, count: connections, statSeconds: duration, setupTimeout: setupTimeout, serverPID: serverPid)
        } else {
            let settings = LoadSettings(
                plan: plan, connections: connections, pipeline: pipeline, threads: threads,
                warmup: fill == nil ? Int64(warmup * 1e9) : 0,
                duration: Int64(duration * 1e9),
                deadline: Int64((deadline ?? (fill == nil ? warmup + duration + 30 : 600)) * 1e9),
                setupTimeout: Int64(setupTimeout * 1e9),
                mix: fill == nil ? try parsedMix() : try Mix.parse("set=1"),
                keys: max(keys, fill ?? 0), keyPrefix: keyPrefix, dueTime: dueTime, rate: rate, fill: fill,
                preludes: prelude, serverPID: serverPid)
            (report, status) = try Modes.load(settings)
        }
        print(json ? report.json() : report.text())
        if status != 0 { throw ExitCode(status) }
    }

    private var wire: WireProtocol { WireProtocol(rawValue: `protocol`) ?? .kairos }

    private var dueTime: DueTime {
        if dueNow { return .past }
        if let dueInMs { return .after(dueInMs * 1_000_000) }
        if let dueAtNs { return .at(dueAtNs) }
        return .farFuture
    }

    private func target() throws -> TargetAddress {
        do {
            return try TargetAddress.parse(host: host, port: port)
        } catch {
            throw ValidationError(error.description)
        }
    }

    private func parsedMix() throws -> Mix {
        do {
            return try Mix.parse(mix)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
