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
        #expect(error?.description == "config file \(path): No such file or directory")
    }

    @Test func directoryIsUnreadable() {
        let error = configError(directory)
        #expect(error?.kind == .unreadable)
        #expect(error?.description == "config file \(directory): Is a directory")
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
        #expect(error?.description == "config file \(bigPath): larger than the 1 MiB limit")

        let bigAuth = try write("big-auth.toml", exact + "\n")
        #expect(authError(bigAuth)?.kind == .tooLarge)
        #expect(authError(bigAuth)?.description == "auth file \(bigAuth): larger than the 1 MiB limit")
    }

    @Test func invalidUTF8() throws {
        let path = directory + "/latin1.toml"
        try Data([0x23, 0x20, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: path))
        #expect(configError(path)?.description == "config file \(path): not valid UTF-8 text")
        #expect(authError(path)?.description == "auth file \(path): not valid UTF-8 text")
    }

    @Test func shellPathMustBeExecutable() throws {
        let missing = try write("missing-shell.toml", "[shell]\npath = \"\(directory)/nosuchshell\"\n")
        let error = configError(missing)
        #expect(error?.kind == .invalidShellPath)
        #expect(error?.key == "shell.path")
        #expect(error?.value == "\"\(directory)/nosuchshell\"")
        #expect(error?.description
            == "shell.path: cannot execute \(directory)/nosuchshell: No such file or directory")

        let dir = try write("dir-shell.toml", "[shell]\npath = \"\(directory)\"\n")
        #expect(configError(dir)?.description
            == "shell.path: cannot execute \(directory): Is a directory")

        // A plain data file has no execute bit, even for root.
        let data = try write("data.txt", "not a program\n")
        let plain = try write("plain-shell.toml", "[shell]\npath = \"\(data)\"\n")
        #expect(configError(plain)?.description
            == "shell.path: cannot execute \(data): Permission denied")
    }

    /// A syntax error is found before the loader knows the path; the message names the file first.
    @Test func syntaxErrorsNameTheFile() throws {
        let path = try write("broken.toml", "[log]\nlevel = \"info\"\nlevel = \"debug\"\n")
        let error = configError(path)
        #expect(error?.kind == .syntax)
        #expect(error?.description == "config file \(path), line 3, column 9: cannot redefine existing string 'level'")
    }

    /// Paths are shown as typed, unless quoting is needed to see where they end.
    @Test func oddPathsAreQuoted() {
        #expect(configError(directory + "/no such.toml")?.description
            == "config file \"\(directory)/no such.toml\": No such file or directory")
        #expect(authError("")?.description == "auth file \"\": No such file or directory")
        #expect(configError("/x/a\"b\n")?.description == "config file \"/x/a\\\"b\\n\": No such file or directory")
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
        #expect(authError(missing)?.description == "auth file \(missing): No such file or directory")
        #expect(authError(directory)?.kind == .unreadable)
        #expect(authError(directory)?.description == "auth file \(directory): Is a directory")
    }
}
