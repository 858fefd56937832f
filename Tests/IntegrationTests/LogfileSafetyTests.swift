import Foundation
import Glibc
import Testing

/// Issue 9 items 6 and 7 end to end: a damaged logfile stops the start with the file
/// untouched (until `--repair`), and a second server cannot open a logfile in use.
@Suite struct LogfileSafetyTests {
    static func database(_ directory: URL, compression: Int = 0) -> String {
        "[database]\npersistence = \"logfile\"\nlogfile_path = \"\(directory.appendingPathComponent("logfile").path)\"\n"
            + "fsync_on_persist = true\ncompression_interval = \(compression)"
    }

    /// One job entry frame (docs/logfile-format.md#frames): length, type 0, u16 id length, id, i64 ns, status.
    static func jobFrame(_ id: String, _ ns: Int64) -> [UInt8] {
        let idBytes = Array(id.utf8)
        var payload: [UInt8] = [0, UInt8(idBytes.count >> 8), UInt8(idBytes.count & 0xff)] + idBytes
        for shift in stride(from: 56, through: 0, by: -8) { payload.append(UInt8(truncatingIfNeeded: ns >> Int64(shift))) }
        payload.append(0)
        let n = payload.count
        return [UInt8(n >> 24 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + payload
    }

    /// Starts a server expected to refuse; returns its exit status and stderr.
    static func refusedStart(_ directory: URL, arguments: [String] = []) throws -> (Int32?, String) {
        let server = try ServerProcess(database: database(directory), directory: directory, waitForReady: false, arguments: arguments)
        let exited = ServerProcess.eventually(timeout: 15) { !server.process.isRunning }
        guard exited else { return (nil, server.stderr) }
        server.process.waitUntilExit()
        // The pipe's last bytes may be read after the exit is seen.
        _ = ServerProcess.eventually(timeout: 5) { server.stderr.contains("error: ") }
        return (server.process.terminationStatus, server.stderr)
    }

    static func sideFiles(_ directory: URL) -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasPrefix("logfile.torn-") }.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test func aTextFileAsLogfileIsRefusedUntouchedAndRepairStartsEmpty() throws {
        let directory = try ServerProcess.makeDirectory()
        let logfile = directory.appendingPathComponent("logfile")
        let text = Data("these are my notes, not a logfile\n".utf8)
        try text.write(to: logfile)
        let (status, stderr) = try Self.refusedStart(directory)
        #expect(status == 1)
        #expect(stderr.contains("\(logfile.path) is damaged at offset 0"))
        #expect(stderr.contains("does not begin with a decodable frame"))
        #expect(stderr.contains("kairos dump \(logfile.path)"))
        #expect(stderr.contains("--repair"))
        #expect(try Data(contentsOf: logfile) == text)
        #expect(Self.sideFiles(directory).isEmpty)

        let server = try ServerProcess(database: Self.database(directory), directory: directory, arguments: ["--repair"])
        let client = try TestClient(port: server.port)
        try client.send("r1 QUERY\n")
        #expect(try client.receive("r1 OK\n") == "r1 OK\n")
        #expect(server.terminate() == 0)
        let sides = Self.sideFiles(directory)
        #expect(sides.count == 1)
        #expect(try sides.first.map { try Data(contentsOf: $0) } == text)
    }

    @Test func aFlippedLengthBitMidFileIsRefusedUntouchedAndRepairKeepsWhatPrecedes() throws {
        let directory = try ServerProcess.makeDirectory()
        let logfile = directory.appendingPathComponent("logfile")
        var bytes: [UInt8] = []
        var damageAt = 0
        for index in 0..<2_000 {
            if index == 1_200 { damageAt = bytes.count }
            bytes += Self.jobFrame("job.\(index)", 4_102_444_800_000_000_000 + Int64(index))
        }
        bytes[damageAt + 1] ^= 0x04  // the frame claims 256 KiB more than it has
        try Data(bytes).write(to: logfile)
        let (status, stderr) = try Self.refusedStart(directory)
        #expect(status == 1)
        #expect(stderr.contains("is damaged at offset \(damageAt)"))
        #expect(stderr.contains("kairos dump") && stderr.contains("--repair"))
        #expect(try [UInt8](Data(contentsOf: logfile)) == bytes)

        let server = try ServerProcess(database: Self.database(directory), directory: directory, arguments: ["--repair"])
        let client = try TestClient(port: server.port)
        try client.send("r1 GET job.1199\nr2 GET job.1200\n")
        let expected = "r1 OK planned 4102444800000001199\nr2 ERROR\n"
        #expect(try client.receive(expected) == expected)
        #expect(server.terminate() == 0)
        #expect(try [UInt8](Data(contentsOf: logfile)) == Array(bytes[..<damageAt]))
        #expect(try Self.sideFiles(directory).map { try [UInt8](Data(contentsOf: $0)) } == [Array(bytes[damageAt...])])
    }

    @Test func aTornTailIsCutWithASideCopyAndTheServerStarts() throws {
        let directory = try ServerProcess.makeDirectory()
        let logfile = directory.appendingPathComponent("logfile")
        let good = Self.jobFrame("kept", 4_102_444_800_000_000_000)
        let torn = Array(Self.jobFrame("torn", 4_102_444_800_000_000_000).prefix(11))
        try Data(good + torn).write(to: logfile)
        let server = try ServerProcess(database: Self.database(directory), directory: directory)
        #expect(ServerProcess.eventually(timeout: 5) { server.stderr.contains("truncated incomplete trailing frame (11 bytes)") })
        #expect(server.terminate() == 0)
        #expect(try [UInt8](Data(contentsOf: logfile)) == good)
        #expect(try Self.sideFiles(directory).map { try [UInt8](Data(contentsOf: $0)) } == [torn])
    }

    @Test func aSecondServerOnTheSameLogfileExitsOneAndTheFirstKeepsServing() throws {
        let directory = try ServerProcess.makeDirectory()
        let logfile = directory.appendingPathComponent("logfile").path
        let first = try ServerProcess(database: Self.database(directory, compression: 1), directory: directory)
        let client = try TestClient(port: first.port)
        try client.send("r1 SET before 4102444800000000000\n")
        #expect(try client.receive("r1 OK\n") == "r1 OK\n")

        // Same configuration, same port: the logfile's lock is what it reports.
        let second = try ServerProcess(database: Self.database(directory), port: first.port, waitForReady: false)
        #expect(ServerProcess.eventually(timeout: 15) { !second.process.isRunning })
        second.process.waitUntilExit()
        #expect(second.process.terminationStatus == 1)
        #expect(ServerProcess.eventually(timeout: 5) {
            second.stderr.contains("\(logfile): another process holds its lock (pid \(first.pid))")
        })

        // Compaction renames a new file over the logfile; the lock must still hold after it.
        #expect(ServerProcess.eventually(timeout: 10) { first.stderr.contains("compaction: \(logfile): ") })
        let third = try ServerProcess(database: Self.database(directory), waitForReady: false)
        #expect(ServerProcess.eventually(timeout: 15) { !third.process.isRunning })
        third.process.waitUntilExit()
        #expect(third.process.terminationStatus == 1)
        #expect(ServerProcess.eventually(timeout: 5) { third.stderr.contains("another process holds its lock") })

        // dump takes no lock.
        let dump = try ServerProcess.runCLI(["dump", logfile])
        #expect(dump.status == 0)
        #expect(dump.stdout.contains("SET before 4102444800000000000 planned"))

        try client.send("r2 SET after 4102444800000000001\nr3 GET before\n")
        let expected = "r2 OK\nr3 OK planned 4102444800000000000\n"
        #expect(try client.receive(expected) == expected)
        #expect(first.terminate() == 0)
    }
}
