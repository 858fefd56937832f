/// The runner thread's way from running to stopped (D-shutdown): after a stop request nothing new
/// starts; running children get a grace period, then SIGKILL, then a short settle period to
/// be reaped; a child that outlives even that is abandoned so shutdown cannot hang.
struct RunnerLifecycle {
    private enum State {
        case accepting
        case grace(until: Int64)
        case killing(until: Int64)
        case finished
    }

    /// What the owner must do after `advance`.
    enum Action: Equatable {
        case none
        /// Send SIGKILL to every running child.
        case killAll
        /// Give up on children still running: report them failed and forget them.
        case abandonAll
    }

    /// How long SIGKILLed children get to be reaped before they are abandoned.
    static let settleNs: Int64 = 2_000_000_000

    private var state = State.accepting

    /// Whether new executions may start.
    var acceptsWork: Bool {
        if case .accepting = state { return true }
        return false
    }

    /// Whether the runner thread may exit.
    var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// The next moment `advance` has something to do on its own, if any.
    var deadline: Int64? {
        switch state {
        case .accepting, .finished: nil
        case .grace(let until), .killing(let until): until
        }
    }

    /// The pool asked to stop; only the first request counts.
    mutating func stopRequested(now: Int64, graceMs: Int) {
        guard case .accepting = state else { return }
        state = .grace(until: now + Int64(max(0, graceMs)) * 1_000_000)
    }

    /// Called on every loop turn with the number of children still running.
    mutating func advance(now: Int64, running: Int) -> Action {
        switch state {
        case .accepting, .finished:
            return .none
        case .grace(let until):
            if running == 0 {
                state = .finished
                return .none
            }
            guard now >= until else { return .none }
            state = .killing(until: now + Self.settleNs)
            return .killAll
        case .killing(let until):
            if running == 0 {
                state = .finished
                return .none
            }
            guard now >= until else { return .none }
            state = .finished
            return .abandonAll
        }
    }
}
