import CKairos

/// How a reaped child ended, decoded from its wait status.
enum ChildExit: Equatable, Sendable, CustomStringConvertible {
    case exited(status: Int32)
    case signaled(signal: Int32)

    init(waitStatus: Int32) {
        if ckairos_wifexited(waitStatus) != 0 {
            self = .exited(status: ckairos_wexitstatus(waitStatus))
        } else {
            // waitpid without WUNTRACED/WCONTINUED reports only exits and deaths by signal.
            self = .signaled(signal: ckairos_wtermsig(waitStatus))
        }
    }

    /// docs/protocol.md#runners: success means a normal exit with status 0, nothing else.
    var isSuccess: Bool { self == .exited(status: 0) }

    var description: String {
        switch self {
        case .exited(let status): "exit status \(status)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}
