import Histogram

/// Latency and outcome counts of one worker; workers merge theirs at the end of a run.
struct Recorder {
    /// Counts and latencies of one operation kind.
    struct PerOperation {
        var latency = Recorder.makeHistogram()
        var ok: UInt64 = 0
        var misses: UInt64 = 0
        var errors: UInt64 = 0
        var records: UInt64 = 0

        var completed: UInt64 { ok + misses + errors }

        mutating func add(_ other: PerOperation) {
            latency.add(other.latency)
            ok += other.ok
            misses += other.misses
            errors += other.errors
            records += other.records
        }
    }

    /// Indexed by `Operation.rawValue`.
    private(set) var operations: [PerOperation] = Operation.allCases.map { _ in PerOperation() }
    private(set) var overall = Recorder.makeHistogram()
    /// Error replies where success was expected, over the whole run (warm-up included).
    private(set) var errorsAllPhases: UInt64 = 0
    /// The last STAT `connections` (Redis `connected_clients`) seen.
    private(set) var lastConnections: Int?

    /// 1 ns to 100 s at three significant digits: enough range for a stalled server, and the
    /// resolution that latency percentiles are usually quoted with.
    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 100_000_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Records a completion; only `measured` ones enter the latency figures and counts.
    mutating func record(_ completion: Completion, operation: Operation, latency: Int64, measured: Bool) {
        if completion.outcome == .errorReply { errorsAllPhases += 1 }
        if let connections = completion.connections { lastConnections = connections }
        guard measured else { return }
        let value = UInt64(max(1, latency))
        overall.record(value)
        operations[operation.rawValue].latency.record(value)
        operations[operation.rawValue].records += UInt64(completion.records)
        switch completion.outcome {
        case .ok: operations[operation.rawValue].ok += 1
        case .miss: operations[operation.rawValue].misses += 1
        case .errorReply: operations[operation.rawValue].errors += 1
        }
    }

    mutating func add(_ other: Recorder) {
        for index in operations.indices { operations[index].add(other.operations[index]) }
        overall.add(other.overall)
        errorsAllPhases += other.errorsAllPhases
        if let connections = other.lastConnections { lastConnections = connections }
    }

    var completed: UInt64 { overall.totalCount }

    func operation(_ operation: Operation) -> PerOperation { operations[operation.rawValue] }
}
