import KairosProtocol

/// Handles kept in ascending order of their keys, so QUERY walks only the jobs under its prefix.
///
/// A two-level sorted array: chunks of at most `chunkLimit` handles, each chunk sorted and all
/// chunks in order. Insert and remove cost a binary search plus a memmove inside one chunk; a
/// range walk is a binary search and then sequential reads. Keys live with the owner (`keyOf`),
/// which keeps this at about 4-6 bytes per entry.
struct SortedIndex {
    static let chunkLimit = 512

    private var chunks: [[UInt32]] = []
    private(set) var count = 0

    /// Inserts `handle`, whose key is `key`. The caller guarantees the key is not present yet.
    mutating func insert(_ handle: UInt32, key: Bytes, keyOf: (UInt32) -> Bytes) {
        count += 1
        if chunks.isEmpty {
            var first: [UInt32] = []
            first.reserveCapacity(Self.chunkLimit)
            first.append(handle)
            chunks.append(first)
            return
        }
        let c = min(chunkIndex(for: key, keyOf: keyOf), chunks.count - 1)
        let position = Self.lowerBound(in: chunks[c], key: key, keyOf: keyOf)
        chunks[c].insert(handle, at: position)
        if chunks[c].count > Self.chunkLimit { split(c) }
    }

    /// Removes the entry whose key is `key`; returns whether it was present.
    @discardableResult
    mutating func remove(key: Bytes, keyOf: (UInt32) -> Bytes) -> Bool {
        let c = chunkIndex(for: key, keyOf: keyOf)
        guard c < chunks.count else { return false }
        let position = Self.lowerBound(in: chunks[c], key: key, keyOf: keyOf)
        guard position < chunks[c].count, ByteOrder.compare(keyOf(chunks[c][position]), key) == 0 else {
            return false
        }
        chunks[c].remove(at: position)
        count -= 1
        rebalance(afterRemovalAt: c)
        return true
    }

    /// Calls `body` with each handle whose key is >= `key`, ascending, until it returns false.
    func forEach(from key: Bytes, keyOf: (UInt32) -> Bytes, _ body: (UInt32) -> Bool) {
        var c = chunkIndex(for: key, keyOf: keyOf)
        guard c < chunks.count else { return }
        var position = Self.lowerBound(in: chunks[c], key: key, keyOf: keyOf)
        while c < chunks.count {
            let chunk = chunks[c]
            while position < chunk.count {
                if !body(chunk[position]) { return }
                position += 1
            }
            c += 1
            position = 0
        }
    }

    /// Every handle in order (for consistency checks).
    var allHandles: [UInt32] { chunks.flatMap { $0 } }

    /// The first chunk whose last key is >= `key`, or `chunks.count`.
    private func chunkIndex(for key: Bytes, keyOf: (UInt32) -> Bytes) -> Int {
        var low = 0, high = chunks.count
        while low < high {
            let middle = (low + high) / 2
            if ByteOrder.compare(keyOf(chunks[middle][chunks[middle].count - 1]), key) < 0 {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    private static func lowerBound(in chunk: [UInt32], key: Bytes, keyOf: (UInt32) -> Bytes) -> Int {
        var low = 0, high = chunk.count
        while low < high {
            let middle = (low + high) / 2
            if ByteOrder.compare(keyOf(chunk[middle]), key) < 0 { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private mutating func split(_ c: Int) {
        let half = chunks[c].count / 2
        var upper: [UInt32] = []
        upper.reserveCapacity(Self.chunkLimit)
        upper.append(contentsOf: chunks[c][half...])
        chunks[c].removeSubrange(half...)
        chunks.insert(upper, at: c + 1)
    }

    /// Drops empty chunks and folds a small chunk into a neighbour so chunks stay reasonably full.
    private mutating func rebalance(afterRemovalAt c: Int) {
        if chunks[c].isEmpty {
            chunks.remove(at: c)
            return
        }
        guard chunks[c].count < Self.chunkLimit / 4 else { return }
        if c + 1 < chunks.count, chunks[c].count + chunks[c + 1].count <= Self.chunkLimit {
            let next = chunks.remove(at: c + 1)
            chunks[c].append(contentsOf: next)
        } else if c > 0, chunks[c - 1].count + chunks[c].count <= Self.chunkLimit {
            let current = chunks.remove(at: c)
            chunks[c - 1].append(contentsOf: current)
        }
    }
}
