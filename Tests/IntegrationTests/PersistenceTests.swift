import Foundation
import Glibc
import Testing

/// The logfile backend end to end: exact bytes, restarts, reference logfiles, dump.
@Suite struct PersistenceTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func logfileServer(directory: URL, port: UInt16? = nil, fsync: Bool = true) throws -> ServerProcess {
        try ServerProcess(
            database: "[database]\npersistence = \"logfile\"\nlogfile_path = \"\(directory.appendingPathComponent("logfile").path)\"\nfsync_on_persist = \(fsync)\ncompression_interval = 0",
            directory: directory, port: port)
    }

    static func hex(_ text: String) -> [UInt8] {
        let digits = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        return digits.map { UInt8($0, radix: 16)! }
    }

    @Test func logfileBytesMatchTheSpecExamples() throws {
        let directory = try ServerProcess.makeDirectory()
        let server = try Self.logfileServer(directory: directory)
        let client = try TestClient(port: server.port)
        try client.send(
            "r1 SET backup.daily 2026-04-01 02:00:00\nr2 RULE SET r1 backup. direct /bin/echo -n hi\n"
                + "r3 REMOVE backup.daily\n")
        #expect(try client.receive("r1 OK\nr2 OK\nr3 OK\n") == "r1 OK\nr2 OK\nr3 OK\n")
        let expected = Self.hex(
            """
            00 00 00 18  00  00 0c 62 61 63 6b 75 70 2e 64 61 69 6c 79  18 a2 19 19 65 31 40 00  00
            00 00 00 24  01  00 02 72 31  00 07 62 61 63 6b 75 70 2e  02
            00 09 2f 62 69 6e 2f 65 63 68 6f  00 02  00 02 2d 6e  00 02 68 69
            00 00 00 0f  02  00 0c 62 61 63 6b 75 70 2e 64 61 69 6c 79
            """)
        let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent("logfile")))
        #expect(bytes == expected)
    }

    @Test func referenceRequestsWriteTheReferenceLogfile() throws {
        let directory = try ServerProcess.makeDirectory()
        let server = try Self.logfileServer(directory: directory)
        let client = try TestClient(port: server.port)
        let commands = try String(contentsOf: Self.fixtures.appendingPathComponent("cmds.txt"), encoding: .utf8)
        // Everything but the two reads at the end; their answers are checked elsewhere.
        let mutations = commands.split(separator: "\n").prefix(16).map { $0 + "\n" }.joined()
        try client.send(mutations)
        for i in 1...16 { #expect(try client.readLine() == "r\(i) OK\n") }
        let written = try Data(contentsOf: directory.appendingPathComponent("logfile"))
        let reference = try Data(contentsOf: Self.fixtures.appendingPathComponent("ztick.log"))
        #expect(written == reference)
    }

    @Test func restartRestoresJobsAndRules() throws {
        let directory = try ServerProcess.makeDirectory()
        var server = try Self.logfileServer(directory: directory)
        var client = try TestClient(port: server.port)
        try client.send(
            "r1 SET keep.a 4102444800000000000\nr2 SET gone.b 4102444800000000000\nr3 RULE SET ra keep. shell \"echo a b\"\n"
                + "r4 RULE SET rb gone. http POST https://x/y\nr5 REMOVE gone.b\nr6 REMOVERULE rb\nr7 SET \"sp ace\" 4102444800000000001\n")
        let acks = "r1 OK\nr2 OK\nr3 OK\nr4 OK\nr5 OK\nr6 OK\nr7 OK\n"
        #expect(try client.receive(acks) == acks)
        let port = server.port
        #expect(server.terminate() == 0)
        server = try Self.logfileServer(directory: directory, port: port)
        client = try TestClient(port: server.port)
        try client.send("q QUERY\nl LISTRULES\ng GET keep.a\n")
        let expected =
            "q keep.a planned 4102444800000000000\nq sp ace planned 4102444800000000001\nq OK\n"
            + "l ra keep. shell echo a b\nl OK\ng OK planned 4102444800000000000\n"
        #expect(try client.receive(expected) == expected)
        #expect(ServerProcess.eventually { server.stderr.contains("loaded 2 jobs, 1 rules") })
    }

    @Test func executedJobsStayExecutedAcrossRestart() throws {
        let directory = try ServerProcess.makeDirectory()
        var server = try Self.logfileServer(directory: directory, fsync: false)
        var client = try TestClient(port: server.port)
        try client.send("r1 RULE SET t t. shell true\nr2 SET t.1 1\nr3 SET none.1 1\n")
        #expect(try client.receive("r1 OK\nr2 OK\nr3 OK\n") == "r1 OK\nr2 OK\nr3 OK\n")
        #expect(try ExecutionTests.waitForStatus(client, job: "t.1", status: "executed"))
        #expect(try ExecutionTests.waitForStatus(client, job: "none.1", status: "failed"))
        let port = server.port
        #expect(server.terminate() == 0)
        server = try Self.logfileServer(directory: directory, port: port)
        client = try TestClient(port: server.port)
        try client.send("a GET t.1\nb GET none.1\n")
        #expect(try client.receive("a OK executed 1\nb OK failed 1\n") == "a OK executed 1\nb OK failed 1\n")
    }

    @Test func referenceLogfileLoads() throws {
        let directory = try ServerProcess.makeDirectory()
        try FileManager.default.copyItem(
            at: Self.fixtures.appendingPathComponent("ztick.log"), to: directory.appendingPathComponent("logfile"))
        let server = try Self.logfileServer(directory: directory)
        let client = try TestClient(port: server.port)
        try client.send("r17 QUERY\nr18 LISTRULES\n")
        let replies = try String(contentsOf: Self.fixtures.appendingPathComponent("replies.txt"), encoding: .utf8)
        let expected = replies.split(separator: "\n").map { String($0) + "\n" }
        let query = try client.readMultiline(id: "r17")
        let listing = try client.readMultiline(id: "r18")
        #expect(Set(query) == Set(expected.filter { $0.hasPrefix("r17 ") }))
        #expect(Set(listing) == Set(expected.filter { $0.hasPrefix("r18 ") }))
    }

    @Test func tornTailIsTruncatedAndAppendsStayAligned() throws {
        let directory = try ServerProcess.makeDirectory()
        var reference = try Data(contentsOf: Self.fixtures.appendingPathComponent("ztick.log"))
        reference.append(contentsOf: [0x00, 0x00, 0x00, 0x18, 0x00, 0x00])
        try reference.write(to: directory.appendingPathComponent("logfile"))
        var server = try Self.logfileServer(directory: directory)
        #expect(ServerProcess.eventually { server.stderr.contains("(6 bytes)") })
        var client = try TestClient(port: server.port)
        try client.send("r1 SET after.tail 4102444800000000009\n")
        #expect(try client.receive("r1 OK\n") == "r1 OK\n")
        let port = server.port
        #expect(server.terminate() == 0)
        server = try Self.logfileServer(directory: directory, port: port)
        client = try TestClient(port: server.port)
        try client.send("g GET after.tail\n")
        #expect(try client.receive("g OK planned 4102444800000000009\n") == "g OK planned 4102444800000000009\n")
    }

    @Test func unreadableLogfileRefusesToStart() throws {
        let directory = try ServerProcess.makeDirectory()
        // A directory where the logfile should be: it exists but cannot be read as a file.
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("logfile"), withIntermediateDirectories: false)
        let server = try ServerProcess(
            database: "[database]\npersistence = \"logfile\"\nlogfile_path = \"\(directory.appendingPathComponent("logfile").path)\"",
            directory: directory, waitForReady: false)
        #expect(ServerProcess.eventually { !server.process.isRunning })
        #expect(server.process.terminationStatus == 1)
        #expect(ServerProcess.eventually { server.stderr.contains("logfile") })
    }

    @Test func dumpMatchesTheReferenceOutput() throws {
        let log = Self.fixtures.appendingPathComponent("ztick.log").path
        let text = try ServerProcess.runCLI(["dump", log])
        #expect(text.status == 0)
        #expect(text.stdout == (try String(contentsOf: Self.fixtures.appendingPathComponent("dump.txt"), encoding: .utf8)))
        let json = try ServerProcess.runCLI(["dump", log, "--format", "json"])
        #expect(json.stdout == (try String(contentsOf: Self.fixtures.appendingPathComponent("dump.json"), encoding: .utf8)))
        let compact = try ServerProcess.runCLI(["dump", log, "--compact"])
        #expect(compact.stdout == (try String(contentsOf: Self.fixtures.appendingPathComponent("dump-compact.txt"), encoding: .utf8)))
        let missing = try ServerProcess.runCLI(["dump", "/nonexistent/missing.bin"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: file not found: /nonexistent/missing.bin\n")
    }
}
