import Foundation
import Testing
import KairosConfig

/// `[runner] http_ca_file` (D-network-runners): the CA bundle https webhooks are verified against. A path the
/// server could not read is refused at load, naming the key (D-config).
@Suite struct HTTPCAFileTests {
    private func refusal(_ toml: String) -> String? {
        do {
            _ = try ConfigLoader.parse(toml: toml, checkShellPath: false)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func absentMeansTheSystemStore() throws {
        #expect(try ConfigLoader.parse(toml: "[runner]\nconcurrency = 2\n", checkShellPath: false).runnerHTTPCAFile == nil)
        #expect(ServerConfig.defaults.runnerHTTPCAFile == nil)
    }

    @Test func aReadableFileIsTaken() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-ca-\(UUID().uuidString).pem").path
        try "-----BEGIN CERTIFICATE-----\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ConfigLoader.parse(toml: "[runner]\nhttp_ca_file = \"\(path)\"\n", checkShellPath: false)
        #expect(config.runnerHTTPCAFile == path)
    }

    @Test func aMissingFileIsRefusedNamingTheKey() {
        #expect(refusal("[runner]\nhttp_ca_file = \"/nonexistent/kairos-ca.pem\"\n")
            == "runner.http_ca_file: cannot read /nonexistent/kairos-ca.pem: No such file or directory")
    }

    @Test func aDirectoryIsRefused() {
        #expect(refusal("[runner]\nhttp_ca_file = \"/tmp\"\n")
            == "runner.http_ca_file: cannot read /tmp: Is a directory")
    }

    @Test func emptyAndNonStringValuesAreRefused() {
        #expect(refusal("[runner]\nhttp_ca_file = \"\"\n") == #"runner.http_ca_file: must be a non-empty string, not """#)
        #expect(refusal("[runner]\nhttp_ca_file = 3\n") == "runner.http_ca_file: must be a non-empty string, not 3")
    }
}
