import Foundation
import Testing

@testable import KairosClient

/// Where `kairos cli` gets its AUTH secret, and the messages when it cannot.
@Suite struct AuthSecretTests {
    @Test func fromTheCommandLineOrNone() throws {
        #expect(try ClientSession.secret(for: .none) == nil)
        #expect(try ClientSession.secret(for: .secret("a b")) == Array("a b".utf8))
        #expect(try ClientSession.secret(for: .secret("")) == [])
    }

    @Test func fromTheAuthFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-cli-\(UUID().uuidString).toml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "[token.ops]\nsecret = \"sk_ops\"\nnamespace = \"*\"\n\n[token.deploy]\nsecret = \"sk_d\"\nnamespace = \"deploy.\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try ClientSession.secret(for: .fileToken(name: "deploy", path: path)) == Array("sk_d".utf8))
        #expect(throws: ClientError("--auth-file-token: auth file \(path) has no [token.nobody]")) {
            try ClientSession.secret(for: .fileToken(name: "nobody", path: path))
        }
    }

    @Test func unreadableAuthFile() {
        #expect(throws: ClientError("--auth-file-token: auth file /nonexistent/t.toml: No such file or directory")) {
            try ClientSession.secret(for: .fileToken(name: "ops", path: "/nonexistent/t.toml"))
        }
    }
}
