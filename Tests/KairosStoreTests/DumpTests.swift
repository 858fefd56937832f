import Glibc
import KairosCore
import KairosProtocol
import KairosSystem
import Testing
@testable import KairosStore

/// Runs `dump` without follow and collects what it prints.
func runDump(_ path: String, format: DumpFormat = .text, compact: Bool = false) -> (status: Int32, out: [UInt8], err: [String]) {
    var out: [UInt8] = []
    var err: [String] = []
    let status = Dump.run(path: path, format: format, compact: compact, follow: false,
                          stdout: { out += $0 }, stderr: { err.append($0) })
    return (status, out, err)
}

@Suite struct DumpTests {
    @Test(arguments: [(DumpFormat.text, false, "dump.txt"), (.json, false, "dump.json"), (.text, true, "dump-compact.txt")])
    func referenceOutputByteForByte(format: DumpFormat, compact: Bool, golden: String) throws {
        let result = runDump(Fixture.path("ztick.log"), format: format, compact: compact)
        #expect(result.status == 0)
        #expect(result.err == [])
        #expect(result.out == (try Fixture.bytes(golden)))
    }

    @Test func compactJSONIsTheCompactTextInJSON() throws {
        let result = runDump(Fixture.path("ztick.log"), format: .json, compact: true)
        let lines: [[UInt8]] = try Fixture.bytes("dump.json").split(separator: 0x0A).map { Array($0) }
        // Survivors by (kind, id), in file order: the six rules, then frames 8, 9, 10, 11, 15.
        let expected: [UInt8] = [0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 15].flatMap { lines[$0] + [0x0A] }
        #expect(result.out == expected)
    }

    @Test func partialTrailingFrameWarns() throws {
        let directory = TempDirectory()
        try directory.write("log", Fixture.bytes("ztick.log") + CodecGoldenTests.specRule[0..<5])
        let result = runDump(directory.file("log"))
        #expect(result.status == 0)
        #expect(result.out == (try Fixture.bytes("dump.txt")))
        #expect(result.err == ["warning: partial trailing frame (5 bytes) ignored\n"])
    }

    @Test func undecodableFramesWarnWithTheirIndex() throws {
        let directory = TempDirectory()
        let good = [LogEntry.job(id: b("a"), execution: 1, status: .planned), .jobRemoval(id: b("a")), .job(id: b("c"), execution: -3, status: .triggered)]
        try directory.write("log", frames(Array(good[0..<2])) + hex("00 00 00 01 07") + frames([good[2]]) + hex("00 00 00 00"))
        let plain = runDump(directory.file("log"))
        #expect(plain.status == 0)
        #expect(plain.out == Array("SET a 1 planned\nREMOVE a\nSET c -3 triggered\n".utf8))
        #expect(plain.err == ["warning: failed to decode frame 2: error.InvalidData\n",
                              "warning: failed to decode frame 4: error.InvalidData\n"])
        let compact = runDump(directory.file("log"), compact: true)
        #expect(compact.out == Array("SET c -3 triggered\n".utf8))
        #expect(compact.err == plain.err)
    }

    @Test func missingFileExitsOne() {
        let result = runDump("/nonexistent/dir/missing.bin")
        #expect(result.status == 1)
        #expect(result.out == [])
        #expect(result.err == ["error: file not found: /nonexistent/dir/missing.bin\n"])
    }

    @Test func permissionDeniedMessage() {
        #expect(Dump.openFailureMessage(path: "/x/y", error: Errno(EACCES)) == "error: permission denied: /x/y\n")
        #expect(Dump.openFailureMessage(path: "/x/y", error: Errno(EISDIR)) == "error: cannot read /x/y: Is a directory\n")
    }

    /// Tests run as root, which chmod cannot lock out; a write-only sysctl still refuses root
    /// a read (procfs checks the mode bits itself), so it produces a real EACCES.
    @Test(.enabled(if: access("/proc/sys/vm/drop_caches", R_OK) != 0 && errno == EACCES))
    func permissionDeniedExitsOne() {
        let result = runDump("/proc/sys/vm/drop_caches")
        #expect(result.status == 1)
        #expect(result.err == ["error: permission denied: /proc/sys/vm/drop_caches\n"])
    }

    @Test func emptyFilePrintsNothing() throws {
        let directory = TempDirectory()
        try directory.write("log", [])
        let result = runDump(directory.file("log"))
        #expect(result.status == 0)
        #expect(result.out == [])
        #expect(result.err == [])
    }

    @Test func jsonEscapesExactlyTheSpecifiedBytes() {
        let id: Bytes = [0x22, 0x5c, 0x0a, 0x0d, 0x09, 0x01, 0x1f, 0x00, 0x7f, 0xc3, 0xa9, 0xff, 0x2f]
        var out: [UInt8] = []
        DumpFormatter.appendJSON(.jobRemoval(id: id), to: &out)
        let expected = Array(#"{"type":"remove","identifier":"\"\\\n\r\t\u0001\u001f\u0000"#.utf8) + [0x7f, 0xc3, 0xa9, 0xff, 0x2f] + Array(#""}"#.utf8)
        #expect(out == expected)
    }

    @Test func everyEntryShapeInBothFormats() {
        let entries: [LogEntry] = [
            .job(id: b("j"), execution: -5, status: .executed),
            .rule(id: b("r"), pattern: b(""), runner: .awf(workflow: b("w"), inputs: [])),
            .rule(id: b("r"), pattern: b("p"), runner: .direct(executable: b("e"), args: [])),
            .ruleRemoval(id: b("r")),
        ]
        var text: [UInt8] = []
        var json: [UInt8] = []
        for entry in entries {
            DumpFormatter.appendLine(entry, format: .text, to: &text)
            DumpFormatter.appendLine(entry, format: .json, to: &json)
        }
        #expect(String(decoding: text, as: UTF8.self) == """
            SET j -5 executed
            RULE SET r  awf w
            RULE SET r p direct e
            REMOVERULE r

            """)
        #expect(String(decoding: json, as: UTF8.self) == """
            {"type":"set","identifier":"j","execution":-5,"status":"executed"}
            {"type":"rule_set","identifier":"r","pattern":"","runner":{"type":"awf","workflow":"w","inputs":[]}}
            {"type":"rule_set","identifier":"r","pattern":"p","runner":{"type":"direct","executable":"e","args":[]}}
            {"type":"remove_rule","identifier":"r"}

            """)
    }
}
