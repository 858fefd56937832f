/// Handles kept in ascending order of their keys, so QUERY walks only the jobs under its prefix.
///
/// A two-level sorted array: chunks of at most `chunkLimit` handles, each chunk sorted and all
/// chunks in order. Insert and remove cost a binary search plus a memmove inside one chunk; a
/// range walk is a binary search and then sequential reads. Keys live with the owner, which
/// keeps this at about 4-6 bytes per entry: each operation takes `order`, the sign of a
/// handle's key compared with the key searched for (negative: the handle's key sorts before).
struct SortedIndex {
    static let chunkLimit = 512

    private var chunks: [[UInt32]] = []
    private(set) var count = 0

    /// Inserts `handle`, whose key `order` compares against. The caller guarantees the key is
    /// not present yet.
    mutating func insert(_ handle: UInt32, order: (UInt32) -> Int) {
        count += 1
        if chunks.isEmpty {
            var first: [UInt32] = []
            first.reserveCapacity(Self.chunkLimit)
            first.append(handle)
            chunks.append(first)
            return
        }
        let c = min(chunkIndex(order), chunks.count - 1)
        let position = Self.lowerBound(in: chunks[c], order)
        chunks[c].insert(handle, at: position)
        if chunks[c].count > Self.chunkLimit { split(c) }
    }

    /// Removes the entry whose key `order` compares equal to; returns whether it was present.
    @discardableResult
    mutating func remove(order: (UInt32) -> Int) -> Bool {
        let c = chunkIndex(order)
        guard c < chunks.count else { return false }
        let position = Self.lowerBound(in: chunks[c], order)
        guard position < chunks[c].count, order(chunks[c][position]) == 0 else {
            return false
        }
        chunks[c].remove(at: position)
        count -= 1
        rebalance(afterRemovalAt: c)
        return true
    }

    /// Calls `body` with each handle whose key `order` finds >= the searched key, ascending,
    /// until it returns false.
    func forEach(from order: (UInt32) -> Int, _ body: (UInt32) -> Bool) {
        var c = chunkIndex(order)
        guard c < chunks.count else { return }
        var position = Self.lowerBound(in: chunks[c], order)
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

    /// The first chunk whose last key is >= the searched key, or `chunks.count`.
    private func chunkIndex(_ order: (UInt32) -> Int) -> Int {
        var low = 0, high = chunks.count
        while low < high {
            let middle = (low + high) / 2
            if order(chunks[middle][chunks[middle].count - 1]) < 0 {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    private static func lowerBound(in chunk: [UInt32], _ order: (UInt32) -> Int) -> Int {
        var low = 0, high = chunk.count
        while low < high {
            let middle = (low + high) / 2
            if order(chunk[middle]) < 0 { low = middle + 1 } else { high = middle }
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
