import KairosSync
import Synchronization

/// One producer thread's side of the telemetry pipeline: a bounded ring of span records and a
/// drop counter. `offer` never blocks and never allocates beyond the record itself: when the
/// ring is full the record is dropped and counted (D-telemetry), so a slow collector cannot slow the
/// thread that produces.
public final class TelemetryProducer: Sendable {
    /// The thread that pushes: for log lines and the drop warning.
    public let name: String
    let ring: SPSCRing<TelemetryRecord>
    /// Written by the producer only, read by the telemetry thread.
    let droppedCount = Atomic<UInt64>(0)

    init(name: String, capacity: Int) {
        self.name = name
        self.ring = SPSCRing(capacity: capacity)
    }

    /// Producer thread only.
    public func offer(_ record: TelemetryRecord) {
        if !ring.push(record) { countDrop() }
    }

    /// Producer thread only: when the ring is full, counts one record as dropped and returns
    /// true, so the caller need not build (read clocks for, copy ids into) a record that could
    /// not be queued. At `sample_ratio = 1.0` under full load most records end here.
    @inline(__always)
    public func dropIfFull() -> Bool {
        guard ring.isFull else { return false }
        countDrop()
        return true
    }

    /// One writer (the producer), so a load and a store, not a locked read-modify-write.
    private func countDrop() {
        droppedCount.store(droppedCount.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }

    /// Records dropped so far because the ring was full.
    public var dropped: UInt64 { droppedCount.load(ordering: .relaxed) }
}
