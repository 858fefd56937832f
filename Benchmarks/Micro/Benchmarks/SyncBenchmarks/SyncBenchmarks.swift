import Benchmark
import MicroSupport
import KairosSync

/// Registered by the generated `BenchmarkRunner` (package-benchmark's plugin).
let benchmarks: @Sendable () -> Void = {
    // One push then one pop on the same thread: the uncontended cost of the ring's fast path
    // (the cached opposite index is reloaded once per wrap-around at most).
    Benchmark("SPSCRing push+pop (1 element)", configuration: perOperation()) { benchmark in
        let ring = SPSCRing<Int>(capacity: 1024)
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            ring.push(i)
            blackHole(ring.pop())
        }
    }

    // The reactor pushes a read's worth of requests, the core drains them: a batch of 64
    // amortises the acquire loads on the other side's index.
    Benchmark("SPSCRing push 64 then drain (per element)", configuration: perOperation()) { benchmark in
        let ring = SPSCRing<Int>(capacity: 1024)
        benchmark.startMeasurement()
        var pushed = 0
        for i in benchmark.scaledIterations {
            ring.push(i)
            pushed += 1
            if pushed == 64 {
                ring.drain { blackHole($0) }
                pushed = 0
            }
        }
        ring.drain { blackHole($0) }
    }

    // A non-trivial payload (a class reference, like a response buffer) to show the retain
    // traffic and that the ring itself allocates nothing per element.
    Benchmark("SPSCRing push+pop (class reference)", configuration: perOperation()) { benchmark in
        final class Payload: Sendable { let value = 7 }
        let ring = SPSCRing<Payload>(capacity: 1024)
        let payload = Payload()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            ring.push(payload)
            blackHole(ring.pop())
        }
    }
}
