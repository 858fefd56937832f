@testable import KairosCore
import KairosProtocol
import KairosSync

/// A journal the test drives: entries become durable or fail only when told to.
final class FakeJournal: Journal {
    private(set) var entries: [(sequence: UInt64, entry: LogEntry)] = []
    private(set) var submits = 0
    private(set) var discards: [UInt64] = []
    /// Makes every submitted entry durable at once (like `MemoryJournal`).
    var durableOnSubmit = false
    private var last: UInt64 = 0
    private var durable: UInt64 = 0
    private var failed: UInt64 = 0

    init(durableOnSubmit: Bool = false) {
        self.durableOnSubmit = durableOnSubmit
    }

    func append(_ entry: LogEntry) -> UInt64 {
        last += 1
        entries.append((last, entry))
        return last
    }

    func submit() {
        submits += 1
        if durableOnSubmit { durable = last }
    }

    var progress: JournalProgress { JournalProgress(durableThrough: durable, failedThrough: failed) }

    func discard(through sequence: UInt64) { discards.append(sequence) }

    var lastSequence: UInt64 { last }

    func makeDurable(through sequence: UInt64) { durable = max(durable, sequence) }
    func makeAllDurable() { durable = last }
    /// Everything after the durable point up to `sequence` failed.
    func fail(through sequence: UInt64) { failed = max(failed, sequence) }

    /// Entries appended after `sequence`.
    func entries(after sequence: UInt64) -> [LogEntry] {
        entries.filter { $0.sequence > sequence }.map(\.entry)
    }
}

func b(_ text: String) -> Bytes { Array(text.utf8) }

/// A core with a fake journal, a manual clock and helpers that speak in strings.
final class Harness {
    let journal: FakeJournal
    let stats = ServerStats()
    let core: SchedulerCore
    var now: Int64 = 1_000
    let client = ClientTag(slot: 1, generation: 1)
    var namespace: Namespace = .unrestricted

    /// The recycling paths the server wires between reactor and core. Every harness test runs
    /// with them, so recycling is shown never to change an answer.
    let buffers = BufferExchange(inFlight: 64)

    init(durable: Bool = true, startedAt: Int64 = 0, framerate: UInt16 = 512) {
        journal = FakeJournal(durableOnSubmit: durable)
        let config = CoreConfig(framerate: framerate, persistenceName: "logfile", authEnabled: false, tlsEnabled: false, startedAtWallNs: startedAt)
        core = SchedulerCore(config: config, journal: journal, stats: stats, buffers: buffers)
    }

    func send(_ id: String, _ command: Command, client: ClientTag? = nil) {
        core.handle(RequestEnvelope(client: client ?? self.client, namespace: namespace, request: Request(id: b(id), command: command)), now: now)
    }

    /// Releases what is ready and returns it as one string.
    @discardableResult
    func collect() -> String {
        String(decoding: collectEnvelopes().flatMap(\.bytes), as: UTF8.self)
    }

    func collectEnvelopes() -> [ResponseEnvelope] {
        var out: [ResponseEnvelope] = []
        core.collectResponses { out.append($0) }
        return out
    }

    /// Sends one request and returns its released answer.
    func ask(_ id: String, _ command: Command) -> String {
        send(id, command)
        return collect()
    }

    @discardableResult
    func tick(at time: Int64? = nil) -> [Execution] {
        if let time { now = time }
        var out: [Execution] = []
        core.tick(now: now) { out.append($0) }
        return out
    }

    func status(_ job: String) -> String {
        ask("s", .get(job: b(job)))
    }
}

/// The full observable state, for before/after comparisons.
struct StateDump: Equatable {
    var jobs: [String]
    var rules: [String]
    var counts: [Int]
    var rulesTotal: Int
}

extension SchedulerCore {
    func dump() -> StateDump {
        var jobLines: [String] = []
        jobs.forEachOrdered(from: []) { record in
            jobLines.append("\(String(decoding: record.id, as: UTF8.self)) \(record.status.name) \(record.execution) g\(record.generation)")
            return true
        }
        var ruleLines: [String] = []
        rules.forEachSorted { id, rule in
            var line = Array(id)
            line.append(0x20)
            line.append(contentsOf: rule.pattern)
            line.append(0x20)
            ResponseEncoder.appendRunner(rule.runner, to: &line)
            ruleLines.append(String(decoding: line, as: UTF8.self))
        }
        return StateDump(
            jobs: jobLines,
            rules: ruleLines,
            counts: JobStatus.allCases.map { jobs.count($0) },
            rulesTotal: rules.count
        )
    }

    /// Every internal invariant: table/index consistency, published counters, and every planned
    /// job reachable from a live due entry (in the heap or parked).
    func violations() -> [String] {
        var problems = jobs.violations()
        if stats.rulesTotal.load(ordering: .relaxed) != rules.count { problems.append("rules_total differs") }
        let reachable = Set((due.entries + parked).filter(isLive).map(\.slot))
        for (slot, record) in jobs.records.enumerated() where record.generation != 0 && record.status == .planned {
            if !reachable.contains(UInt32(slot)) { problems.append("planned job \(record.id) has no live due entry") }
        }
        return problems
    }
}

extension Harness {
    /// The job's state read straight from the table, bypassing the response queue.
    func peek(_ job: String) -> String? {
        core.jobs.slot(of: b(job)).map { slot in
            let record = core.jobs[slot]
            return "\(record.status.name) \(record.execution)"
        }
    }
}
