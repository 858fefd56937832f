import Histogram
import KairosSystem

/// `--connect-only`: open and hold N connections, then ask the server how many it holds and
/// how fast it answers STAT while they are held (issue 5, B3).
final class ConnectOnlyRun {
    struct Result {
        var failure: String?
        var held = 0
        var connectSeconds = 0.0
        var setupSeconds = 0.0
        var serverRSSBefore: Int?
        var serverRSSAfter: Int?
        var statLatency = Recorder.makeHistogram()
        var statConnections: Int?
        var dropped = 0
        var listenDrops: Int?
        var clientCPU: Int64 = 0
        var wallSeconds = 0.0
    }

    private let plan: ConnectionPlan
    private let count: Int
    private let statDuration: Int64
    private let setupTimeout: Int64
    private let serverPID: Int?
    private let pool: ConnectionPool
    private var result = Result()

    init(plan: ConnectionPlan, count: Int, statDuration: Int64, setupTimeout: Int64, serverPID: Int?) throws {
        self.plan = plan
        self.count = count
        self.statDuration = statDuration
        self.setupTimeout = setupTimeout
        self.serverPID = serverPID
        pool = try ConnectionPool(plan: plan, encoder: RequestEncoder(wire: plan.wire, keyPrefix: "k", keys: 1))
    }

    func run() -> Result {
        let cpuStart = Clock.processCPUNanoseconds()
        let wallStart = Clock.monotonicNanoseconds()
        defer { pool.closeAll() }
        result.serverRSSBefore = serverPID.flatMap(ProcStatus.residentBytes)
        let dropsBefore = ProcStatus.listenDrops()
        let failure = pool.open(count: count, firstIndex: 0, deadline: wallStart + setupTimeout)
        if let dropsBefore, let dropsAfter = ProcStatus.listenDrops() { result.listenDrops = dropsAfter - dropsBefore }
        if let failure {
            result.failure = failure
            result.held = pool.connections.filter { $0.phase == .ready }.count
            return finish(cpuStart, wallStart)
        }
        result.held = count
        result.connectSeconds = Double(pool.lastConnectedAt - pool.setupStartedAt) / 1e9
        result.setupSeconds = Double(pool.lastReadyAt - pool.setupStartedAt) / 1e9
        // One more connection, for STAT, while the others are held.
        if let failure = pool.open(count: 1, firstIndex: count, deadline: Clock.monotonicNanoseconds() + setupTimeout) {
            result.failure = "the STAT connection: \(failure)"
            return finish(cpuStart, wallStart)
        }
        let statConnection = pool.connections[pool.connections.count - 1]
        // A connect completes in the kernel's backlog before the server accepts it; wait (up to
        // the setup timeout) until the server counts them all, so the RSS reading includes them.
        let settleDeadline = Clock.monotonicNanoseconds() + setupTimeout
        while result.failure == nil {
            let seen = stat(statConnection, record: false)
            if let seen, seen >= count + 1 { break }
            if Clock.monotonicNanoseconds() > settleDeadline { break }
            try? pool.poller.pause(milliseconds: 5)
        }
        result.serverRSSAfter = serverPID.flatMap(ProcStatus.residentBytes)
        let statEnd = Clock.monotonicNanoseconds() + statDuration
        while result.failure == nil, Clock.monotonicNanoseconds() < statEnd {
            _ = stat(statConnection, record: true)
        }
        return finish(cpuStart, wallStart)
    }

    private func finish(_ cpuStart: Int64, _ wallStart: Int64) -> Result {
        result.clientCPU = Clock.processCPUNanoseconds() - cpuStart
        result.wallSeconds = Double(Clock.monotonicNanoseconds() - wallStart) / 1e9
        return result
    }

    /// One STAT round trip (p=1); returns the server's `connections` figure. Events on the
    /// held connections meanwhile are closes by the server: counted as dropped.
    private func stat(_ connection: ClientConnection, record: Bool) -> Int? {
        let outcome = pool.roundTrip(connection, .stat, deadline: Clock.monotonicNanoseconds() + setupTimeout) { held, events in
            guard held.phase != .closed else { return }
            _ = pool.checkIdle(held, events)
            if held.phase == .closed { result.dropped += 1 }
        }
        switch outcome {
        case .success(let (completion, latency)):
            guard completion.outcome == .ok else {
                result.failure = "STAT answered ERROR"
                return nil
            }
            if record { result.statLatency.record(UInt64(max(1, latency))) }
            if let seen = completion.connections { result.statConnections = seen }
            return completion.connections
        case .failure(let error):
            result.failure = "STAT connection: \(error.description)"
            return nil
        }
    }
}

/// Reads a process's resident set size from /proc (the server runs on this machine).
enum ProcStatus {
    /// VmRSS of `pid` in bytes, or nil if the process or the line is not there.
    static func residentBytes(_ pid: Int) -> Int? {
        guard let text = readSmallFile("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    /// Whether `pid` exists and is not a zombie (a server that exited but was not reaped yet).
    static func isRunning(_ pid: Int) -> Bool {
        guard let text = readSmallFile("/proc/\(pid)/status") else { return false }
        for line in text.split(separator: "\n") where line.hasPrefix("State:") {
            return !line.contains("Z (zombie)") && !line.contains("X (dead)")
        }
        return true
    }

    /// TcpExt ListenDrops of this network namespace: SYNs the kernel dropped because a listen
    /// queue was full. A connect-rate figure with drops in it measures SYN retransmission
    /// timers (1 s), not the server.
    static func listenDrops() -> Int? {
        guard let text = readSmallFile("/proc/net/netstat") else { return nil }
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("TcpExt:") }
        guard lines.count >= 2 else { return nil }
        let names = lines[0].split(separator: " ")
        let values = lines[1].split(separator: " ")
        guard let index = names.firstIndex(of: "ListenDrops"), index < values.count else { return nil }
        return Int(values[index])
    }

    static func readSmallFile(_ path: String) -> String? {
        guard let fd = try? FileDescriptor.open(path, flags: 0) else { return nil }
        defer { fd.close() }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let read: IOResult<Int>? = chunk.withUnsafeMutableBytes { try? fd.read(into: $0) }
            guard case .processed(let count)? = read, count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
