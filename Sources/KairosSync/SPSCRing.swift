import Synchronization

/// A bounded single-producer single-consumer queue with no locks.
///
/// One thread pushes, one thread pops; that is the whole contract. `tail` is written only by the
/// producer and `head` only by the consumer, each published with release and read with acquire.
/// Each side keeps a private copy of the other side's index and reloads it only when the ring
/// looks full (or empty), so the common path touches no shared cache line but its own.
public final class SPSCRing<Element>: @unchecked Sendable {
    // Safety: `slots` cells are handed from producer to consumer through the release/acquire
    // pair on `tail` and back through the pair on `head`; no cell is touched by both at once.
    private let slots: UnsafeMutablePointer<Element>
    private let mask: Int
    public let capacity: Int
    /// The fields above are read on every push and pop. Without this gap `head`, written on
    /// every pop, would share their cache line, and each pop would evict it from the producer's
    /// cache. A full line of padding keeps them apart whatever the object's alignment.
    private let padShared: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)

    // MARK: consumer's line
    private let head = Atomic<Int>(0)
    private var cachedTail = 0
    private let padConsumer: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)

    // MARK: producer's line
    private let tail = Atomic<Int>(0)
    private var cachedHead = 0
    private let padProducer: (Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0)

    /// `capacity` is rounded up to a power of two.
    public init(capacity: Int) {
        precondition(capacity > 0)
        var size = 1
        while size < capacity { size <<= 1 }
        self.capacity = size
        self.mask = size - 1
        self.slots = UnsafeMutablePointer<Element>.allocate(capacity: size)
    }

    deinit {
        var index = head.load(ordering: .relaxed)
        let end = tail.load(ordering: .relaxed)
        while index != end {
            (slots + (index & mask)).deinitialize(count: 1)
            index &+= 1
        }
        slots.deallocate()
    }

    /// Producer only. Returns false, leaving the ring unchanged, when it is full.
    @discardableResult
    public func push(_ element: consuming Element) -> Bool {
        let t = tail.load(ordering: .relaxed)
        if t &- cachedHead == capacity {
            cachedHead = head.load(ordering: .acquiring)
            if t &- cachedHead == capacity { return false }
        }
        (slots + (t & mask)).initialize(to: element)
        tail.store(t &+ 1, ordering: .releasing)
        return true
    }

    /// Producer only: a push now would fail. Like `push`, it reads the consumer's index only
    /// when the ring looks full, so a producer can skip preparing an element cheaply.
    public var isFull: Bool {
        let t = tail.load(ordering: .relaxed)
        if t &- cachedHead < capacity { return false }
        cachedHead = head.load(ordering: .acquiring)
        return t &- cachedHead == capacity
    }

    /// Producer only: free slots, as far as the producer can tell (never more than the truth).
    public var freeSpace: Int {
        cachedHead = head.load(ordering: .acquiring)
        return capacity - (tail.load(ordering: .relaxed) &- cachedHead)
    }

    /// Consumer only. Returns nil when the ring is empty.
    public func pop() -> Element? {
        let h = head.load(ordering: .relaxed)
        if h == cachedTail {
            cachedTail = tail.load(ordering: .acquiring)
            if h == cachedTail { return nil }
        }
        let element = (slots + (h & mask)).move()
        head.store(h &+ 1, ordering: .releasing)
        return element
    }

    /// Consumer only: calls `body` with each of the first `limit` elements visible now, oldest
    /// first, without popping them, and returns how many it visited. An element stays where it
    /// is until the consumer pops it (the producer never touches a slot before `head` passes
    /// it), so it may be read here; the pointer is valid only during its call.
    @discardableResult
    public func peek(limit: Int, _ body: (UnsafePointer<Element>) -> Void) -> Int {
        let h = head.load(ordering: .relaxed)
        if cachedTail &- h < limit { cachedTail = tail.load(ordering: .acquiring) }
        let visible = min(limit, cachedTail &- h)
        var offset = 0
        while offset < visible {
            body(UnsafePointer(slots + ((h &+ offset) & mask)))
            offset += 1
        }
        return visible
    }

    /// Consumer only: pops everything visible now, in order.
    @inline(__always)
    public func drain(_ body: (consuming Element) throws -> Void) rethrows {
        while let element = pop() { try body(element) }
    }

    /// Either side, or a third thread reporting status: how many elements the ring held at
    /// about the moment of the call (the two indexes are read one after the other).
    public var depth: Int {
        let h = head.load(ordering: .acquiring)
        return max(0, min(capacity, tail.load(ordering: .acquiring) &- h))
    }

    /// Either side: whether the ring looked empty at the moment of the call.
    public var isEmpty: Bool {
        head.load(ordering: .acquiring) == tail.load(ordering: .acquiring)
    }
}
