/// Trigger lateness (now − scheduled execution, ns) in power-of-two buckets: constant memory and
/// O(1) recording on the tick path, precise enough for benchmark percentiles (within 2x).
public struct LatenessHistogram: Sendable, Equatable {
    /// Bucket 0 holds 0; bucket i (1...63) holds [2^(i-1), 2^i).
    private var buckets: [Int] = Array(repeating: 0, count: 64)
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

    static func bucket(of value: Int64) -> Int { 64 - value.leadingZeroBitCount }

    private static func upperBound(of bucket: Int) -> Int64 {
        bucket == 0 ? 0 : (bucket >= 63 ? Int64.max : (Int64(1) << bucket) - 1)
    }
}
