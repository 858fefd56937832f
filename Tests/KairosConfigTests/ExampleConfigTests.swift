import Foundation
import Testing
@testable import KairosConfig

/// deploy/kairos.toml.example is what operators copy: it must load, and each value it spells out
/// must be the default (only the logfile moves to the state directory), so it cannot drift.
@Suite struct ExampleConfigTests {
    @Test func exampleLoadsAndSpellsOutTheDefaults() throws {
        let path = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/kairos.toml.example").path
        let loaded = try ConfigLoader.load(path: path)
        var expected = ServerConfig.defaults
        expected.logfilePath = "/var/lib/kairos/logfile"
        #expect(loaded == expected)
    }
}
