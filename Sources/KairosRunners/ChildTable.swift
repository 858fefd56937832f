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
    let pid: pid_t
    let pidfd: FileDescriptor
    /// Read end of the stderr pipe while it is open (awf only).
    var stderr: FileDescriptor?
    var capture = StderrCapture()
    /// Set once SIGKILL was sent, so it is sent once and the log can say why the run died.
    var killed: KillReason?
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
        slots[Int(index)].generation &+= 1
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

/// What an epoll token refers to: the runner's doorbell, a child's pidfd or its stderr pipe.
enum PollTarget: Equatable {
    case doorbell
    case exit(ChildToken)
    case stderr(ChildToken)

    init(token: UInt64) {
        if token == UInt64.max {
            self = .doorbell
            return
        }
        let child = ChildToken(slot: UInt32(truncatingIfNeeded: token >> 1) & 0x7fff_ffff, generation: UInt32(truncatingIfNeeded: token >> 32))
        self = token & 1 == 0 ? .exit(child) : .stderr(child)
    }

    /// Slots stay far below 2^31 (one per running child), so no child token equals `UInt64.max`.
    var token: UInt64 {
        switch self {
        case .doorbell: UInt64.max
        case .exit(let child): UInt64(child.generation) << 32 | UInt64(child.slot) << 1
        case .stderr(let child): UInt64(child.generation) << 32 | UInt64(child.slot) << 1 | 1
        }
    }
}
