import KairosSync
import Synchronization
import Testing

@Suite struct ServerStatsTests {
    @Test func countersStartAtZeroAndAdd() {
        let stats = ServerStats()
        #expect(stats.connections.load(ordering: .relaxed) == 0)
        stats.connections.wrappingAdd(3, ordering: .relaxed)
        stats.connections.wrappingAdd(-1, ordering: .relaxed)
        #expect(stats.connections.load(ordering: .relaxed) == 2)
        #expect(CompressionState(rawValue: stats.compression.load(ordering: .relaxed)) == .idle)
    }

    @Test func compressionNames() {
        #expect(CompressionState.allNames == ["idle", "running", "success", "failure"])
    }
}

extension CompressionState {
    static var allNames: [String] { [CompressionState.idle, .running, .success, .failure].map(\.name) }
}

/// `BatchedCounters`: plain counts that readers see only once published, and then exactly.
@Suite struct BatchedCountersTests {
    @Test func publishesChangedValuesOnly() {
        let shared = AtomicCounters(count: 3)
        var counters = BatchedCounters(publishingTo: shared)
        counters.increment(0)
        counters.increment(2)
        counters.increment(2)
        #expect((0..<3).map(shared.load) == [0, 0, 0])
        counters.publish()
        #expect((0..<3).map(shared.load) == [1, 0, 2])
        // A value a reader must not see overwritten by a stale one: only changed slots are stored.
        shared.store(1, 7)
        counters.increment(0)
        counters.publish()
        #expect((0..<3).map(shared.load) == [2, 7, 2])
        #expect(counters.count(2) == 2)
    }
}
