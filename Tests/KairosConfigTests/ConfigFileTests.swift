import Foundation
import Testing
import KairosConfig

/// `load(path:)` for both loaders: real files in a private temporary directory.
@Suite final class ConfigFileTests {
    let directory: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        directory = base.path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func configError(_ path: String) -> ConfigError? {
        do {
            _ = try ConfigLoader.load(path: path)
            return nil
        } catch {
            return error
        }
    }

    private func authError(_ path: String) -> AuthFileError? {
        do {
            _ = try AuthFileLoader.load(path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsAFileAndChecksTheShell() throws {
        let path = try write("kairos.toml", "[log]\nlevel = \"off\"\n[shell]\npath = \"/bin/sh\"\n")
        let config = try ConfigLoader.load(path: path)
        #expect(config.logLevel == .off)
    }

    @Test func missingFile() {
        let path = directory + "/absent.toml"
        let error = configError(path)
        #expect(error?.kind == .fileNotFound)
        #expect(error?.value == path)
        #expect(error?.description == "error: FileNotFound: config file \"\(path)\" does not exist")
    }

    @Test func directoryIsUnreadable() {
        let error = configError(directory)
        #expect(error?.kind == .unreadable)
        #expect(error?.description == "error: Unreadable: config file \"\(directory)\" cannot be read: Is a directory")
    }

    @Test func sizeLimit() throws {
        // Exactly 1 MiB is allowed; one byte more is not.
        let line = "# " + String(repeating: "x", count: 1021) + "\n"
        let exact = String(repeating: line, count: 1024)
        #expect(exact.utf8.count == 1 << 20)
        let exactPath = try write("exact.toml", exact)
        #expect(try ConfigLoader.load(path: exactPath) == ServerConfig.defaults)

        let bigPath = try write("big.toml", exact + "\n")
        let error = configError(bigPath)
        #expect(error?.kind == .unreadable)
        #expect(error?.description == "error: Unreadable: config file \"\(bigPath)\" is larger than 1 MiB")

        let bigAuth = try write("big-auth.toml", exact + "\n")
        #expect(authError(bigAuth)?.kind == .tooLarge)
        #expect(authError(bigAuth)?.description == "error: FileTooLarge: auth file \"\(bigAuth)\" is larger than 1 MiB")
    }

    @Test func invalidUTF8() throws {
        let path = directory + "/latin1.toml"
        try Data([0x23, 0x20, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: path))
        #expect(configError(path)?.description == "error: Unreadable: config file \"\(path)\" is not valid UTF-8")
        #expect(authError(path)?.description == "error: Unreadable: auth file \"\(path)\" is not valid UTF-8")
    }

    @Test func shellPathMustBeExecutable() throws {
        let missing = try write("missing-shell.toml", "[shell]\npath = \"\(directory)/nosuchshell\"\n")
        let error = configError(missing)
        #expect(error?.kind == .invalidShellPath)
        #expect(error?.key == "shell.path")
        #expect(error?.value == "\"\(directory)/nosuchshell\"")
        #expect(error?.description
            == "error: InvalidShellPath: shell.path = \"\(directory)/nosuchshell\" (expected an executable file: No such file or directory)")

        let dir = try write("dir-shell.toml", "[shell]\npath = \"\(directory)\"\n")
        #expect(configError(dir)?.description
            == "error: InvalidShellPath: shell.path = \"\(directory)\" (expected an executable file: is a directory)")

        // A plain data file has no execute bit, even for root.
        let data = try write("data.txt", "not a program\n")
        let plain = try write("plain-shell.toml", "[shell]\npath = \"\(data)\"\n")
        #expect(configError(plain)?.description
            == "error: InvalidShellPath: shell.path = \"\(data)\" (expected an executable file: Permission denied)")
    }

    @Test func shellIsNotCheckedWithoutAFileOrWhenAsked() throws {
        #expect(try ConfigLoader.parse(toml: "[shell]\npath = \"/no/such/shell\"", checkShellPath: false).shellPath == "/no/such/shell")
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(toml: "[shell]\npath = \"/no/such/shell\"", checkShellPath: true) }
    }

    @Test func authFileLoad() throws {
        let path = try write("auth.toml", "[token.deploy]\nsecret = \"s\"\nnamespace = \"deploy.\"\n")
        #expect(try AuthFileLoader.load(path: path) == [AuthToken(name: "deploy", secret: Array("s".utf8), namespace: Array("deploy.".utf8))])

        let missing = directory + "/no-auth.toml"
        #expect(authError(missing)?.kind == .fileNotFound)
        #expect(authError(missing)?.description == "error: FileNotFound: auth file \"\(missing)\" does not exist")
        #expect(authError(directory)?.kind == .unreadable)
        #expect(authError(directory)?.description == "error: Unreadable: auth file \"\(directory)\" cannot be read: Is a directory")
    }
}
