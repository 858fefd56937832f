import KairosProtocol

/// An execution waiting for a pool slot: a process to spawn or a network call to make.
struct QueuedRun {
    enum Work {
        case process(argv: [Bytes])
        case network(NetworkKind, RunnerSpec)
    }

    let jobID: Bytes
    let generation: UInt64
    let ruleID: Bytes
    /// The job's execution time (ns since the epoch).
    let scheduledAt: Int64
    let work: Work
    /// `RunnerSpec.kindIndex` of the rule's runner (shell, direct and awf all spawn a process).
    var runnerKind = 0

    var kind: String {
        switch work {
        case .process: "process"
        case .network(let kind, _): kind.description
        }
    }
}
