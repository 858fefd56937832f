import Glibc
import KairosSystem

/// What the reactor does after `accept4` failed (D-limits). Level-triggered epoll keeps reporting a
/// listener with a connection waiting, so every answer must either take that connection off the
/// backlog or stop watching the listener for a while: anything else is a busy loop.
enum AcceptReaction: Equatable {
    /// The failure concerned one connection that is already gone (ECONNABORTED, EPROTO):
    /// keep accepting.
    case skip
    /// Out of descriptors with the spare at hand: free it, accept the waiting client, close it.
    case shed
    /// Nothing can be accepted now (ENOBUFS, ENOMEM, EMFILE without a spare, anything
    /// unexpected): stop watching the listener for `pauseNs`, then try again.
    case pause

    /// How long the listener rests after `.pause`: short enough that clients barely notice,
    /// long enough that a persistent failure costs a few wake-ups per second.
    static let pauseNs: Int64 = 100_000_000

    static func reacting(to error: Errno, spareAvailable: Bool) -> AcceptReaction {
        switch error.rawValue {
        case ECONNABORTED, EPROTO:
            return .skip
        case EMFILE, ENFILE:
            return spareAvailable ? .shed : .pause
        default:
            return .pause
        }
    }
}
