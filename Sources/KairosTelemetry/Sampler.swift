import KairosSystem

/// Decides which requests get a span (`telemetry.sample_ratio`). One per producer thread: it
/// holds its own generator, so deciding costs one multiply-xorshift and no shared state.
public struct Sampler: Sendable {
    private enum Mode: Sendable {
        case always, never
        case below(UInt64)
    }

    private let mode: Mode
    private var random: SplitMix64

    /// `ratio` is clamped to 0...1; 1 keeps everything, 0 nothing.
    public init(ratio: Double, seed: UInt64) {
        random = SplitMix64(seed: seed)
        if ratio >= 1 {
            mode = .always
        } else if !(ratio > 0) {
            mode = .never
        } else {
            // 2^64 * ratio, computed in Double: the rounding is far below any ratio anyone sets.
            mode = .below(UInt64(ratio * 18_446_744_073_709_551_615.0))
        }
    }

    public mutating func next() -> Bool {
        switch mode {
        case .always: return true
        case .never: return false
        case .below(let threshold): return random.next() < threshold
        }
    }
}
