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
        if !ring.push(record) {
            droppedCount.add(1, ordering: .relaxed)
        }
    }

    /// Records dropped so far because the ring was full.
    public var dropped: UInt64 { droppedCount.load(ordering: .relaxed) }
}
