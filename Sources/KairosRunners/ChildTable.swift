import Glibc
import KairosProtocol
import KairosSystem

/// Names one child in the table. The generation makes an event that was already queued for
/// a reaped child (whose slot may hold a new one) harmless.
struct ChildToken: Hashable {
    let slot: UInt32
    let generation: UInt32
}

/// Why the pool sent SIGKILL to a child.
enum KillReason: Equatable {
    case timeout
    case shutdown
}

/// A child the pool is running.
struct RunningChild {
    let jobID: Bytes
    let generation: UInt64
    let ruleID: Bytes
    let pid: pid_t
    let pidfd: FileDescriptor
    /// Monotonic start, for the run's duration.
    let startedAt: Int64
    /// Wall-clock start minus the job's execution time.
    let latenessNs: Int64
    /// Read end of the stdout/stderr pipe while it is open.
    var output: FileDescriptor?
    var capture = OutputCapture()
    /// Set once SIGKILL was sent, so it is sent once and the log can say why the run died.
    var killed: KillReason?
    /// `RunnerSpec.kindIndex` of the rule's runner, for `ServerStats.executionsFinished`.
    var runnerKind = 0
}

/// The running children, in reusable slots so tokens stay small and lookups are O(1).
struct ChildTable {
    private struct Slot {
        var generation: UInt32 = 0
        var child: RunningChild?
    }

    private var slots: [Slot] = []
    private var freeSlots: [UInt32] = []
    private(set) var count = 0

    mutating func insert(_ child: RunningChild) -> ChildToken {
        let index: UInt32
        if let reused = freeSlots.popLast() {
            index = reused
        } else {
            index = UInt32(slots.count)
            slots.append(Slot())
        }
        // 31 bits, so a child's epoll token never has the top bit that network tokens carry.
        slots[Int(index)].generation = (slots[Int(index)].generation &+ 1) & 0x7fff_ffff
        slots[Int(index)].child = child
        count += 1
        return ChildToken(slot: index, generation: slots[Int(index)].generation)
    }

    /// The child `token` names, if it is still in the table.
    subscript(token: ChildToken) -> RunningChild? {
        get {
            guard Int(token.slot) < slots.count, slots[Int(token.slot)].generation == token.generation else { return nil }
            return slots[Int(token.slot)].child
        }
    }

    /// Applies `body` to the child `token` names, if it is still in the table.
    mutating func update(_ token: ChildToken, _ body: (inout RunningChild) -> Void) {
        guard Int(token.slot) < slots.count, slots[Int(token.slot)].generation == token.generation,
              slots[Int(token.slot)].child != nil
        else { return }
        body(&slots[Int(token.slot)].child!)
    }

    mutating func remove(_ token: ChildToken) -> RunningChild? {
        guard let child = self[token] else { return nil }
        slots[Int(token.slot)].child = nil
        freeSlots.append(token.slot)
        count -= 1
        return child
    }

    /// Tokens of every child in the table, for shutdown.
    var tokens: [ChildToken] {
        slots.indices.compactMap { index in
            slots[index].child == nil ? nil : ChildToken(slot: UInt32(index), generation: slots[index].generation)
        }
    }
}

/// What an epoll token refers to: the runner's doorbell, a child's pidfd or its output pipe,
/// or a descriptor a network client registered.
enum PollTarget: Equatable {
    case doorbell
    case exit(ChildToken)
    case output(ChildToken)
    case network(client: UInt8, key: UInt32)

    private static let networkFlag: UInt64 = 1 << 63

    init(token: UInt64) {
        if token == UInt64.max {
            self = .doorbell
        } else if token & Self.networkFlag != 0 {
            self = .network(client: UInt8(truncatingIfNeeded: token >> 32), key: UInt32(truncatingIfNeeded: token))
        } else {
            let child = ChildToken(slot: UInt32(truncatingIfNeeded: token >> 1) & 0x7fff_ffff, generation: UInt32(truncatingIfNeeded: token >> 32))
            self = token & 1 == 0 ? .exit(child) : .output(child)
        }
    }

    /// Child slots stay far below 2^31 (one per running child) and generations below 2^31, so
    /// child tokens never have the top bit; network tokens have it, with a client index far
    /// below 255, so none equals `UInt64.max`.
    var token: UInt64 {
        switch self {
        case .doorbell: UInt64.max
        case .exit(let child): UInt64(child.generation) << 32 | UInt64(child.slot) << 1
        case .output(let child): UInt64(child.generation) << 32 | UInt64(child.slot) << 1 | 1
        case .network(let client, let key): Self.networkFlag | UInt64(client) << 32 | UInt64(key)
        }
    }
}
