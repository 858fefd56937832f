/// Counters bumped on a hot path by their one owner thread and read rarely by another (the
/// `/metrics` scrape). An event costs a plain increment of memory only the owner touches; the
/// owner copies the changed values into `shared` once per batch of work (`publish`), so the
/// per-event cost is no atomic read-modify-write and no cache line shared with a reader.
///
/// Readers see a count late by at most one batch. The owner publishes before the results it
/// counted leave its thread, so a client that has its answer finds it counted.
public struct BatchedCounters {
    /// What readers load (relaxed). Written only by `publish`.
    public let shared: AtomicCounters
    private var counts: [Int]
    private var published: [Int]
    private var dirty = false

    public init(publishingTo shared: AtomicCounters) {
        self.shared = shared
        counts = [Int](repeating: 0, count: shared.count)
        published = counts
    }

    /// Owner thread only.
    @inline(__always)
    public mutating func increment(_ index: Int) {
        counts[index] &+= 1
        dirty = true
    }

    /// Owner thread only: stores every value that changed since the last publish.
    public mutating func publish() {
        guard dirty else { return }
        dirty = false
        for index in counts.indices where counts[index] != published[index] {
            shared.store(index, counts[index])
            published[index] = counts[index]
        }
    }

    public func count(_ index: Int) -> Int { counts[index] }
}
