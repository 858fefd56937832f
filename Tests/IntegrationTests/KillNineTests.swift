import Foundation
import Glibc
import Testing

/// Fault test: SIGKILL under durable pipelined load, five times on one logfile. Every SET that
/// was answered OK must be there after the restart, with its value (`OK` means durable), and
/// whatever torn tail the kill leaves must be cut, never refused.
@Suite struct KillNineTests {
    /// SETs answered OK, by job id, from every client thread.
    final class Acknowledged: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String: Int64] = [:]

        func record(_ id: String, _ ns: Int64) {
            lock.lock()
            values[id] = ns
            lock.unlock()
        }

        var all: [String: Int64] {
            lock.lock()
            defer { lock.unlock() }
            return values
        }
    }

    static let clients = 4
    static let pipelineDepth = 40

    /// Pipelines SETs with unique ids and values until the connection dies.
    static func load(port: UInt16, client: Int, cycle: Int, into acknowledged: Acknowledged) {
        guard let connection = try? TestClient(port: port, timeout: 5) else { return }
        var next = 0
        while true {
            var batch = ""
            var sent: [(id: String, ns: Int64)] = []
            for _ in 0..<pipelineDepth {
                let id = "k\(cycle).c\(client).\(next)"
                let ns = 4_102_444_800_000_000_000 + Int64(cycle) * 10_000_000_000 + Int64(client) * 100_000_000 + Int64(next)
                batch += "\(id) SET \(id) \(ns)\n"
                sent.append((id, ns))
                next += 1
            }
            guard (try? connection.send(batch)) != nil else { return }
            for (id, ns) in sent {
                guard let line = try? connection.readLine() else { return }
                guard line == "\(id) OK\n" else { return }
                acknowledged.record(id, ns)
            }
        }
    }

    @Test func everyAcknowledgedSetSurvivesSigkill() throws {
        let directory = try ServerProcess.makeDirectory()
        let database = "[database]\npersistence = \"logfile\"\nlogfile_path = \"\(directory.appendingPathComponent("logfile").path)\"\n"
            + "fsync_on_persist = true\ncompression_interval = 0"
        let acknowledged = Acknowledged()
        let torn = Array(LogfileSafetyTests.jobFrame("torn.append", 4_102_444_800_000_000_000).prefix(10))
        let started = Date()
        for cycle in 0..<5 {
            let server = try ServerProcess(database: database, directory: directory)
            let before = acknowledged.all.count
            let group = DispatchGroup()
            for client in 0..<Self.clients {
                let port = server.port
                DispatchQueue.global().async(group: group) {
                    Self.load(port: port, client: client, cycle: cycle, into: acknowledged)
                }
            }
            // Kill only once the load is really flowing (some SETs acknowledged this cycle).
            #expect(ServerProcess.eventually(timeout: 10) { acknowledged.all.count >= before + 200 })
            usleep(UInt32(50_000 + cycle * 30_000))
            kill(server.pid, SIGKILL)
            server.process.waitUntilExit()
            #expect(group.wait(timeout: .now() + 15) == .success)
            #expect(server.process.terminationReason == .uncaughtSignal)
            if cycle == 2 {
                // What a kill inside a large write leaves: part of a frame. The next start must
                // cut it (keeping a copy), not refuse it as damage.
                let handle = try FileHandle(forWritingTo: directory.appendingPathComponent("logfile"))
                handle.seekToEndOfFile()
                handle.write(Data(torn))
                try handle.close()
            }
        }
        #expect(try LogfileSafetyTests.sideFiles(directory).map { try [UInt8](Data(contentsOf: $0)) }.contains(torn))

        // Starting at all means no torn tail was refused as damage.
        let server = try ServerProcess(database: database, directory: directory)
        let client = try TestClient(port: server.port, timeout: 20)
        try client.send("q QUERY k\n")
        var present: [String: String] = [:]
        for line in try client.readMultiline(id: "q").dropLast() {
            let fields = line.dropLast().split(separator: " ")
            guard fields.count == 4 else { continue }
            present[String(fields[1])] = fields[2] + " " + fields[3]
        }
        let expected = acknowledged.all
        #expect(expected.count >= 1_000)
        let missing = expected.filter { present[$0.key] != "planned \($0.value)" }
        #expect(missing.isEmpty, "\(missing.count) acknowledged SETs lost, e.g. \(missing.first.map { "\($0.key)" } ?? "")")
        #expect(server.terminate() == 0)
        #expect(Date().timeIntervalSince(started) < 60)
    }
}
