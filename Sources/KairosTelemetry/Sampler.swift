import Foundation
import KairosSystem

/// Decides which requests get a span (`telemetry.sample_ratio`). One per producer thread: it
/// holds its own generator and no shared state.
///
/// Instead of one random draw per request it draws, at each kept request, how many requests to
/// skip before the next one: the number of failures before a success, geometric with the
/// ratio. That is the same distribution as an independent draw per request (each request is
/// kept with probability `ratio`, whatever came before), but an unsampled request costs one
/// decrement and one branch, and the logarithm is paid only once per kept request.
public struct Sampler: Sendable {
    private enum Mode: Sendable {
        case always, never
        /// `log(1 - ratio)`, the denominator of the geometric draw.
        case geometric(Double)
    }

    private let mode: Mode
    private var random: SplitMix64
    /// Requests still to skip before the next one kept.
    private var skip: UInt64 = 0

    /// `ratio` is clamped to 0...1; 1 keeps everything, 0 nothing.
    public init(ratio: Double, seed: UInt64) {
        random = SplitMix64(seed: seed)
        if ratio >= 1 {
            mode = .always
        } else if !(ratio > 0) {
            mode = .never
            skip = .max
        } else {
            mode = .geometric(log1p(-ratio))
            skip = drawSkip()
        }
    }

    @inline(__always)
    public mutating func next() -> Bool {
        if skip > 0 {
            skip &-= 1
            return false
        }
        return keepAndRedraw()
    }

    private mutating func keepAndRedraw() -> Bool {
        switch mode {
        case .always:
            return true
        case .never:
            // 2^64 requests skipped: start again rather than ever keep one.
            skip = .max
            return false
        case .geometric:
            skip = drawSkip()
            return true
        }
    }

    /// floor(log(u) / log(1 - ratio)) for u uniform in (0, 1].
    private mutating func drawSkip() -> UInt64 {
        guard case .geometric(let logMiss) = mode else { return 0 }
        let uniform = (Double(random.next() >> 11) + 1) * 0x1p-53
        let skips = (log(uniform) / logMiss).rounded(.down)
        return skips < 0x1p63 ? UInt64(skips) : UInt64(Int64.max)
    }
}
