import Benchmark
import MicroSupport
import KairosCore
import KairosProtocol
import KairosStore

let job = LogEntry.job(id: Array("backup.daily".utf8), execution: 1_775_008_800_000_000_000, status: .planned)
let rule = LogEntry.rule(
    id: Array("r1".utf8), pattern: Array("backup.".utf8),
    runner: .direct(executable: Array("/bin/echo".utf8), args: [Array("-n".utf8), Array("hi".utf8)]))

let benchmarks: @Sendable () -> Void = {
    // What the journal does per mutation on the core thread: append one frame to the batch.
    Benchmark("LogCodec encode job frame", configuration: perOperation()) { benchmark in
        var batch: [UInt8] = []
        batch.reserveCapacity(64 * 1024)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try? LogCodec.appendFrame(job, to: &batch)
            if batch.count > 60 * 1024 { batch.removeAll(keepingCapacity: true) }
        }
    }

    Benchmark("LogCodec encode rule frame", configuration: perOperation()) { benchmark in
        var batch: [UInt8] = []
        batch.reserveCapacity(64 * 1024)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try? LogCodec.appendFrame(rule, to: &batch)
            if batch.count > 60 * 1024 { batch.removeAll(keepingCapacity: true) }
        }
    }

    // What replay does per frame: decode one payload into an entry (its byte arrays allocate).
    Benchmark("LogDecoder decode job payload", configuration: perOperation()) { benchmark in
        var payload: [UInt8] = []
        try? LogCodec.appendPayload(job, to: &payload)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try? LogDecoder.decode(payload: payload))
        }
    }
}
