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
