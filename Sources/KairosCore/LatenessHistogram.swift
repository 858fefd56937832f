/// Trigger lateness (now − scheduled execution, ns) in log-linear buckets: each power of two is
/// split into 16 equal buckets, so percentiles are within 1/16 (about 6%) of the true value,
/// with constant memory and O(1) recording on the tick path.
public struct LatenessHistogram: Sendable, Equatable {
    private static let subBits = 4
    private static let subCount = 1 << subBits
    /// Buckets 0..<16 hold the values 0..<16 exactly; then 16 buckets per power of two.
    private var buckets: [Int] = Array(repeating: 0, count: subCount + (64 - subBits) * subCount)
    public private(set) var count = 0
    public private(set) var max: Int64 = 0

    public init() {}

    /// Records one sample; negative values (a job processed before its time) count as 0.
    public mutating func record(_ lateness: Int64) {
        let value = Swift.max(lateness, 0)
        buckets[Self.bucket(of: value)] += 1
        count += 1
        if value > max { max = value }
    }

    /// An upper bound for the `quantile` (0...1) of the samples: the top of the bucket holding
    /// it, never more than the largest sample. 0 when empty.
    public func percentile(_ quantile: Double) -> Int64 {
        guard count > 0 else { return 0 }
        let rank = Swift.max(1, Int((Double(count) * Swift.min(Swift.max(quantile, 0), 1)).rounded(.up)))
        var seen = 0
        for (index, inBucket) in buckets.enumerated() {
            seen += inBucket
            if seen >= rank { return Swift.min(Self.upperBound(of: index), max) }
        }
        return max
    }

    public var p50: Int64 { percentile(0.5) }
    public var p99: Int64 { percentile(0.99) }

    static func bucket(of value: Int64) -> Int {
        if value < Int64(subCount) { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount
        let shift = exponent - subBits
        let sub = Int(value >> shift) & (subCount - 1)
        return subCount + shift * subCount + sub
    }

    /// The largest value that lands in `bucket`.
    static func upperBound(of bucket: Int) -> Int64 {
        if bucket < subCount { return Int64(bucket) }
        let shift = (bucket - subCount) / subCount
        let sub = (bucket - subCount) % subCount
        let lower = UInt64(subCount + sub) << UInt64(shift)
        let upper = lower + (UInt64(1) << UInt64(shift)) - 1
        return upper > UInt64(Int64.max) ? Int64.max : Int64(upper)
    }
}
