/// One scheduling of a job: due at `execution`, valid while the job in `slot` still has
/// `generation` and is planned. Generations come from one global counter bumped by every SET,
/// so they also give the FIFO order among equal execution times (docs/protocol.md#job-lifecycle).
struct DueEntry: Equatable {
    var execution: Int64
    var generation: UInt64
    var slot: UInt32

    @inline(__always)
    static func precedes(_ a: DueEntry, _ b: DueEntry) -> Bool {
        a.execution != b.execution ? a.execution < b.execution : a.generation < b.generation
    }
}

/// A binary min-heap of due entries with lazy deletion: a re-SET or REMOVE leaves the old entry
/// in place and the owner discards it when it surfaces, so no operation searches the heap.
struct DueQueue {
    private var heap: [DueEntry] = []

    var count: Int { heap.count }
    var peek: DueEntry? { heap.first }

    mutating func push(_ entry: DueEntry) {
        heap.append(entry)
        siftUp(heap.count - 1)
    }

    mutating func popMin() -> DueEntry? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return top
    }

    /// Keeps only entries for which `isLive` holds and re-heapifies in O(n): run when stale
    /// entries outnumber live ones, so memory stays proportional to the planned jobs.
    /// Filters in place, keeping the capacity: a table re-SET over and over compacts
    /// periodically and would otherwise allocate a new heap each time.
    mutating func compact(keeping isLive: (DueEntry) -> Bool) {
        var kept = 0
        for index in heap.indices where isLive(heap[index]) {
            heap[kept] = heap[index]
            kept += 1
        }
        heap.removeLast(heap.count - kept)
        var index = heap.count / 2
        while index > 0 {
            index -= 1
            siftDown(index)
        }
    }

    /// Every entry, in heap order (for consistency checks).
    var entries: [DueEntry] { heap }

    private mutating func siftUp(_ start: Int) {
        var child = start
        let moving = heap[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard DueEntry.precedes(moving, heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = moving
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let moving = heap[parent]
        let count = heap.count
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count, DueEntry.precedes(heap[child + 1], heap[child]) { child += 1 }
            guard DueEntry.precedes(heap[child], moving) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = moving
    }
}
