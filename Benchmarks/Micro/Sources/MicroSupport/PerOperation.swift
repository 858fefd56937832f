import Benchmark

/// The configuration every micro-benchmark uses: time and mallocs per operation. `.kilo`
/// scaling means every reported figure is for one single operation.
public func perOperation() -> Benchmark.Configuration {
    Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )
}
