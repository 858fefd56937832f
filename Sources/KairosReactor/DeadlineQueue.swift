import KairosProtocol

/// Deadlines for one kind of phase (TLS handshake, AUTH). Every deadline is "now + a fixed
/// timeout", so they arrive in order and a FIFO is already sorted: no heap needed.
struct DeadlineQueue {
    private var entries: [(deadline: Int64, client: ClientTag)] = []
    private var head = 0

    mutating func append(deadline: Int64, client: ClientTag) {
        entries.append((deadline, client))
    }

    var nextDeadline: Int64? { head < entries.count ? entries[head].deadline : nil }

    /// Removes and reports every entry due at `now`; the caller checks the connection is still in that phase.
    mutating func popExpired(now: Int64, _ body: (ClientTag) -> Void) {
        while head < entries.count, entries[head].deadline <= now {
            body(entries[head].client)
            head += 1
        }
        if head > 1024, head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        } else if head == entries.count {
            entries.removeAll(keepingCapacity: entries.count <= 1024)
            head = 0
        }
    }
}
