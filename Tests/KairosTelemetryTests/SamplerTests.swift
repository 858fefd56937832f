import Testing

@testable import KairosTelemetry

@Suite struct SamplerTests {
    private func kept(ratio: Double, of total: Int, seed: UInt64 = 1) -> Int {
        var sampler = Sampler(ratio: ratio, seed: seed)
        return (0..<total).reduce(0) { count, _ in count + (sampler.next() ? 1 : 0) }
    }

    @Test func extremesAreExact() {
        #expect(kept(ratio: 1.0, of: 10_000) == 10_000)
        #expect(kept(ratio: 0.0, of: 10_000) == 0)
        #expect(kept(ratio: 2.0, of: 100) == 100)
        #expect(kept(ratio: -1.0, of: 100) == 0)
        #expect(kept(ratio: .nan, of: 100) == 0)
    }

    /// 100,000 draws: the binomial standard deviation at 0.25 is about 137, so ±1,000 only fails
    /// on a broken threshold, never by chance.
    @Test(arguments: [0.01, 0.25, 0.5, 0.9])
    func ratioIsKeptOnAverage(ratio: Double) {
        let total = 100_000
        let count = kept(ratio: ratio, of: total, seed: 42)
        #expect(abs(count - Int(ratio * Double(total))) < 1_000)
    }
}

/// The skip-count sampler must keep each request independently: after a kept request the
/// next is kept with the same probability as any other, and runs of skips are not fixed.
@Suite struct SamplerIndependenceTests {
    @Test(arguments: [0.1, 0.5])
    func keptAfterKeptIsStillTheRatio(ratio: Double) {
        var sampler = Sampler(ratio: ratio, seed: 3)
        var previous = false
        var afterKept = 0
        var keptAfterKept = 0
        for _ in 0..<200_000 {
            let kept = sampler.next()
            if previous {
                afterKept += 1
                if kept { keptAfterKept += 1 }
            }
            previous = kept
        }
        // About 20,000 (0.1) or 100,000 (0.5) trials: five standard deviations are well under 0.02.
        let share = Double(keptAfterKept) / Double(afterKept)
        #expect(abs(share - ratio) < 0.02, "share \(share)")
    }

    @Test func gapsVary() {
        var sampler = Sampler(ratio: 0.01, seed: 11)
        var gaps = Set<Int>()
        var gap = 0
        for _ in 0..<100_000 {
            if sampler.next() {
                gaps.insert(gap)
                gap = 0
            } else {
                gap += 1
            }
        }
        #expect(gaps.count > 100)
    }
}
