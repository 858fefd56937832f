import Foundation
import Testing

/// The files under deploy/ are what operators install; they are checked like code.
@Suite struct DeployFilesTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `systemd-analyze verify` (Debian's systemd) accepts the unit without a single warning: it
    /// reports unknown keys, bad values and a missing ExecStart binary, which is pointed at the
    /// binary under test because the unit names its installed path.
    @Test func systemdUnitVerifiesCleanly() throws {
        let unit = try String(contentsOf: Self.repository.appendingPathComponent("deploy/kairos.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/kairos server -c /etc/kairos/kairos.toml\n"))
        #expect(unit.contains("ExecReload=/bin/kill -HUP $MAINPID\n"))
        #expect(unit.contains("LimitNOFILE=65536\n"))
        let directory = try ServerProcess.makeDirectory()
        let copy = directory.appendingPathComponent("kairos.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/kairos", with: ServerProcess.binaryPath)
            .write(to: copy, atomically: true, encoding: .utf8)
        let result = try ServerProcess.runCLI(["verify", copy.path], executable: "/usr/bin/systemd-analyze")
        #expect(result.status == 0)
        #expect(result.stdout == "")
        #expect(result.stderr == "")
    }
}
