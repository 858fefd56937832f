import KairosProtocol

/// What the pool does with one execution, decided as soon as the runner thread receives it
/// so that executions that cannot run never occupy a place in the waiting line.
enum LaunchPlan: Equatable, Sendable {
    /// Spawn `argv`; `argv[0]` is also the file, searched in `PATH` when it has no `/`.
    case process(argv: [Bytes])
    /// An http, redis or amqp run, handed to that kind's network client (D-network-runners).
    case network(NetworkKind)
    /// An argument holds a NUL byte, which no C argv can carry: a failure to start.
    case invalidArgument

    /// The awf runner's executable, searched in `PATH`.
    static let awf: Bytes = Array("awf".utf8)

    /// Builds the argv of a process runner (docs/protocol.md#runners). The job id is deliberately not passed
    /// (docs/protocol.md#runners): no argument, no environment variable. `awfProgram` is `awf` except in tests.
    static func make(for runner: RunnerSpec, config: RunnerConfig, awfProgram: Bytes = Self.awf) -> LaunchPlan {
        let argv: [Bytes]
        switch runner {
        case .shell(let command):
            argv = [Array(config.shellPath.utf8)] + config.shellArgs.map { Array($0.utf8) } + [command]
        case .direct(let executable, let args):
            argv = [executable] + args
        case .awf(let workflow, let inputs):
            var words: [Bytes] = [awfProgram, Array("run".utf8), workflow]
            for input in inputs {
                words.append(Array("--input".utf8))
                words.append(input)
            }
            argv = words
        case .http, .amqp, .redis:
            return .network(NetworkKind(runner)!)
        }
        if argv.contains(where: { $0.contains(0) }) { return .invalidArgument }
        return .process(argv: argv)
    }
}
