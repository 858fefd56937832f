import KairosConfig
import Testing

/// `[controller] max_connections` and the descriptor reserve (D-limits).
@Suite struct ConnectionLimitTests {
    /// The message the server would print, or nil when `body` succeeds.
    static func refusal(_ body: () throws(ConfigError) -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.description
        }
    }

    @Test func absentKeyLeavesTheDefaultToTheDescriptorLimit() throws {
        let config = try ConfigLoader.parse(toml: "[controller]\n", checkShellPath: false)
        #expect(config.maxConnections == nil)
        #expect(try ConnectionLimit.resolve(configured: nil, descriptorLimit: 1024) == 960)
        #expect(try ConnectionLimit.resolve(configured: nil, descriptorLimit: 65) == 1)
        #expect(try ConnectionLimit.resolve(configured: nil, descriptorLimit: nil) == Int(Int32.max))
    }

    @Test func configuredValueIsKeptWhenItLeavesTheReserve() throws {
        let config = try ConfigLoader.parse(toml: "[controller]\nmax_connections = 500\n", checkShellPath: false)
        #expect(config.maxConnections == 500)
        #expect(try ConnectionLimit.resolve(configured: 500, descriptorLimit: 1024) == 500)
        #expect(try ConnectionLimit.resolve(configured: 960, descriptorLimit: 1024) == 960)
        #expect(try ConnectionLimit.resolve(configured: 500, descriptorLimit: nil) == 500)
    }

    @Test func badValuesNameTheKey() {
        for value in ["0", "-3", "\"many\"", "1.5"] {
            let message = Self.refusal { () throws(ConfigError) in
                try ConfigLoader.parse(toml: "[controller]\nmax_connections = \(value)\n", checkShellPath: false)
            }
            #expect(message == "controller.max_connections: must be an integer 1...2147483647, not \(value)")
        }
    }

    @Test func valueThatEatsIntoTheReserveIsRefused() {
        let message = Self.refusal { () throws(ConfigError) in try ConnectionLimit.resolve(configured: 961, descriptorLimit: 1024) }
        #expect(message == "controller.max_connections: must be at most 960, not 961: the descriptor limit is 1024 "
            + "(ulimit -n) and 64 descriptors are kept in reserve; lower the value or raise the limit")
    }

    @Test func limitWithNoRoomBesideTheReserveIsRefused() {
        let message = Self.refusal { () throws(ConfigError) in try ConnectionLimit.resolve(configured: nil, descriptorLimit: 64) }
        #expect(message == "controller.max_connections: the descriptor limit (64, ulimit -n) leaves no "
            + "descriptors for connections beside the reserve of 64; raise the limit")
    }
}
