import KairosProtocol

/// A hash index from byte keys to `UInt32` handles, for tables that store their keys themselves.
///
/// `Dictionary<Bytes, UInt32>` would cost 12+ bytes per bucket and force an allocation to look up a
/// slice (rule matching probes prefixes of a job id). Here a bucket is 8 bytes: a 32-bit hash tag
/// and the handle + 1 (0 = empty). Linear probing with backward-shift deletion, so there are no
/// tombstones and lookups never degrade after many removals. The owner supplies key equality.
struct ByteHashIndex {
    private var buckets: [UInt64]
    private var mask: Int
    private(set) var count = 0

    init() {
        buckets = Array(repeating: 0, count: 16)
        mask = 15
    }

    /// The tag for `key`; Swift's per-process seeded hasher keeps clients from crafting collisions.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(key))
        return UInt32(truncatingIfNeeded: hasher.finalize())
    }

    @inline(__always)
    static func hash(_ key: Bytes) -> UInt32 {
        key.withUnsafeBufferPointer { hash($0) }
    }

    /// The handle whose key `matches` says equals the searched key, among those tagged `hash`.
    @inline(__always)
    func find(hash: UInt32, matches: (UInt32) -> Bool) -> UInt32? {
        var position = Int(hash) & mask
        while true {
            let bucket = buckets[position]
            if bucket == 0 { return nil }
            if UInt32(truncatingIfNeeded: bucket >> 32) == hash {
                let handle = UInt32(truncatingIfNeeded: bucket) &- 1
                if matches(handle) { return handle }
            }
            position = (position &+ 1) & mask
        }
    }

    /// The bucket `hash` starts its probe at (0 = empty), read only to bring it into the cache.
    @inline(__always)
    func homeBucket(_ hash: UInt32) -> UInt64 {
        buckets[Int(hash) & mask]
    }

    /// The handle in a bucket that `homeBucket` returned, if it holds one tagged `hash`.
    @inline(__always)
    static func handle(in bucket: UInt64, tagged hash: UInt32) -> UInt32? {
        guard bucket != 0, UInt32(truncatingIfNeeded: bucket >> 32) == hash else { return nil }
        return UInt32(truncatingIfNeeded: bucket) &- 1
    }

    /// Adds `handle` under `hash`. The caller guarantees its key is not present yet.
    mutating func insert(hash: UInt32, handle: UInt32) {
        precondition(handle < UInt32.max, "handle space exhausted")
        if (count + 1) * 4 > buckets.count * 3 { grow() }
        place(UInt64(hash) << 32 | UInt64(handle + 1))
        count += 1
    }

    /// Removes the bucket holding `handle` (which must be present under `hash`).
    mutating func remove(hash: UInt32, handle: UInt32) {
        let wanted = UInt64(hash) << 32 | UInt64(handle + 1)
        var hole = Int(hash) & mask
        while buckets[hole] != wanted {
            precondition(buckets[hole] != 0, "removing an absent handle")
            hole = (hole &+ 1) & mask
        }
        // Backward shift: pull later members of the probe run into the hole when their home
        // position does not lie cyclically in (hole, candidate].
        var candidate = (hole &+ 1) & mask
        while buckets[candidate] != 0 {
            let home = Int(UInt32(truncatingIfNeeded: buckets[candidate] >> 32)) & mask
            let distanceToHome = (candidate &- home) & mask
            let distanceToHole = (candidate &- hole) & mask
            if distanceToHome >= distanceToHole {
                buckets[hole] = buckets[candidate]
                hole = candidate
            }
            candidate = (candidate &+ 1) & mask
        }
        buckets[hole] = 0
        count -= 1
    }

    /// Every handle present, in bucket order (for consistency checks).
    var handles: [UInt32] {
        buckets.compactMap { $0 == 0 ? nil : UInt32(truncatingIfNeeded: $0) &- 1 }
    }

    private mutating func place(_ bucket: UInt64) {
        var position = Int(UInt32(truncatingIfNeeded: bucket >> 32)) & mask
        while buckets[position] != 0 { position = (position &+ 1) & mask }
        buckets[position] = bucket
    }

    private mutating func grow() {
        let old = buckets
        buckets = Array(repeating: 0, count: old.count * 2)
        mask = buckets.count - 1
        for bucket in old where bucket != 0 { place(bucket) }
    }
}
