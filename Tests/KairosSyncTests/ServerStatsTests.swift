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
