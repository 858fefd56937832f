import Foundation
import Glibc
import Synchronization
import Testing

/// Storage faults against the real binary (D-write-ahead, D-storage-faults) and the shutdown order for outcomes (D-shutdown):
/// the server's file size limit is lowered from outside with prlimit(2), so its writes fail
/// with EFBIG exactly as on a full disk, and come back once the limit is lifted.
@Suite struct StorageFaultTests {
    private typealias PrlimitFunction = @convention(c) (
        pid_t, __rlimit_resource_t, UnsafePointer<rlimit>?, UnsafeMutablePointer<rlimit>?
    ) -> CInt

    /// glibc's prlimit(2) wrapper; Glibc's Swift module leaves out this GNU extension.
    private static let prlimitFunction: PrlimitFunction = {
        guard let symbol = dlsym(nil, "prlimit") else { fatalError("prlimit is not in libc") }
        return unsafeBitCast(symbol, to: PrlimitFunction.self)
    }()

    /// Sets the server's soft RLIMIT_FSIZE (the hard limit stays as it is).
    static func limitFileSize(of pid: pid_t, to bytes: rlim_t) -> Bool {
        let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
        var current = rlimit()
        guard prlimitFunction(pid, resource, nil, &current) == 0 else { return false }
        var limit = rlimit(rlim_cur: min(bytes, current.rlim_max), rlim_max: current.rlim_max)
        return prlimitFunction(pid, resource, &limit, nil) == 0
    }

    static func fileSize(_ path: String) -> rlim_t {
        var info = stat()
        return stat(path, &info) == 0 ? rlim_t(info.st_size) : 0
    }

    /// `SET <id> <ns> <status>` lines of `kairos dump`, as id → "ns status".
    static func dumpedJobs(_ logfile: String) throws -> [String: String] {
        let dump = try ServerProcess.runCLI(["dump", logfile])
        var jobs: [String: String] = [:]
        for line in dump.stdout.split(separator: "\n") where line.hasPrefix("SET ") {
            let fields = line.split(separator: " ")
            if fields.count == 4 { jobs[String(fields[1])] = "\(fields[2]) \(fields[3])" }
        }
        return jobs
    }

    /// The experiment of issue 9: pipelined SETs from 4 clients while the log's size limit is
    /// clamped to its current size for ~1 ms, many times. Every `OK` must be in the logfile
    /// with its value, and no SET answered `ERROR` may be there.
    @Test func refusedSetsNeverReachTheLogfileUnderIntermittentEFBIG() throws {
        let directory = try ServerProcess.makeDirectory()
        let logfile = directory.appendingPathComponent("logfile").path
        let server = try PersistenceTests.logfileServer(directory: directory)
        let stop = Atomic<Bool>(false)
        let results = Mutex<(ok: [String: Int64], error: Set<String>, problems: [String])>(([:], [], []))
        let port = server.port

        let clients = (0..<4).map { index in
            Thread {
                do {
                    let client = try TestClient(port: port)
                    var round = 0
                    while !stop.load(ordering: .relaxed) {
                        round += 1
                        var batch = ""
                        for n in 0..<8 {
                            batch += "c\(index).\(round).\(n) SET j\(index).\(round).\(n) \(4_000_000_000_000_000_000 + Int64(round * 8 + n))\n"
                        }
                        try client.send(batch)
                        for _ in 0..<8 {
                            let line = try client.readLine().dropLast()
                            let parts = line.split(separator: " ")
                            let request = parts.first.map(String.init) ?? ""
                            let fields = request.dropFirst().split(separator: ".")
                            let job = "j" + request.dropFirst()
                            let value = 4_000_000_000_000_000_000 + Int64(fields.count == 3 ? Int(fields[1])! * 8 + Int(fields[2])! : 0)
                            results.withLock { results in
                                switch parts.count == 2 ? parts[1] : "" {
                                case "OK": results.ok[job] = value
                                case "ERROR": results.error.insert(job)
                                default: results.problems.append(String(line))
                                }
                            }
                        }
                    }
                } catch {
                    results.withLock { $0.problems.append("client \(index): \(error)") }
                }
            }
        }
        for client in clients { client.start() }

        // Clamp until enough refusals were seen, within a bound of about 10 s.
        let deadline = Date().addingTimeInterval(10)
        var clamps = 0
        while Date() < deadline && (clamps < 150 || results.withLock { $0.error.count } < 50) {
            #expect(Self.limitFileSize(of: server.pid, to: Self.fileSize(logfile)))
            usleep(1000)
            #expect(Self.limitFileSize(of: server.pid, to: rlim_t.max))
            clamps += 1
            usleep(UInt32.random(in: 2000...8000))
        }
        stop.store(true, ordering: .relaxed)
        #expect(ServerProcess.eventually { clients.allSatisfy(\.isFinished) })
        #expect(server.process.isRunning, "the server must survive SIGXFSZ: \(server.stderr)")
        #expect(server.terminate() == 0)

        let (ok, refused, problems) = results.withLock { ($0.ok, $0.error, $0.problems) }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(!refused.isEmpty, "no write failed in \(clamps) clamps; the test proved nothing")
        let onDisk = try Self.dumpedJobs(logfile)
        let lost = ok.filter { onDisk[$0.key] != "\($0.value) planned" }
        let leaked = refused.filter { onDisk[$0] != nil }
        #expect(lost.isEmpty, "\(lost.count) acknowledged SETs missing, e.g. \(lost.first.map { "\($0)" } ?? "")")
        #expect(leaked.isEmpty, "\(leaked.count) of \(refused.count) refused SETs in the logfile, e.g. \(leaked.prefix(3))")
        #expect(onDisk.count == ok.count)
    }

    /// D-storage-faults: while every write fails, a GET right after a SET answered `ERROR` is answered at
    /// once, without another request to push it out; once writes work again, SETs succeed.
    @Test func aReadAfterARefusedSetIsAnsweredWithoutWaiting() throws {
        let directory = try ServerProcess.makeDirectory()
        let logfile = directory.appendingPathComponent("logfile").path
        let server = try PersistenceTests.logfileServer(directory: directory)
        let client = try TestClient(port: server.port, timeout: 5)
        try client.send("a SET kept 4000000000000000007\n")
        #expect(try client.receive("a OK\n") == "a OK\n")

        #expect(Self.limitFileSize(of: server.pid, to: Self.fileSize(logfile)))
        try client.send("b SET refused 4000000000000000008\n")
        #expect(try client.receive("b ERROR\n") == "b ERROR\n")
        try client.send("c GET kept\n")
        #expect(try client.receive("c OK planned 4000000000000000007\n") == "c OK planned 4000000000000000007\n")
        try client.send("d GET refused\n")
        #expect(try client.receive("d ERROR\n") == "d ERROR\n")

        #expect(Self.limitFileSize(of: server.pid, to: rlim_t.max))
        try client.send("e SET later 4000000000000000009\nf GET later\n")
        #expect(try client.receive("e OK\nf OK planned 4000000000000000009\n") == "e OK\nf OK planned 4000000000000000009\n")
        #expect(server.terminate() == 0)
        #expect(try Self.dumpedJobs(logfile) == ["kept": "4000000000000000007 planned", "later": "4000000000000000009 planned"])
    }

    /// Issue 10: a run that finishes during the shutdown grace period keeps its outcome.
    @Test func aRunFinishingDuringShutdownIsExecutedAfterRestart() throws {
        let directory = try ServerProcess.makeDirectory()
        let logfile = directory.appendingPathComponent("logfile").path
        var server = try PersistenceTests.logfileServer(directory: directory)
        var client = try TestClient(port: server.port)
        let marker = directory.appendingPathComponent("started").path
        try client.send("r RULE SET slow slow. shell \"touch \(marker); sleep 0.5; exit 0\"\ns SET slow.1 1\n")
        #expect(try client.receive("r OK\ns OK\n") == "r OK\ns OK\n")
        #expect(ServerProcess.eventually { FileManager.default.fileExists(atPath: marker) })
        let port = server.port
        #expect(server.terminate() == 0)
        #expect(try Self.dumpedJobs(logfile)["slow.1"] == "1 executed")

        server = try PersistenceTests.logfileServer(directory: directory, port: port)
        client = try TestClient(port: server.port)
        try client.send("g GET slow.1\n")
        #expect(try client.receive("g OK executed 1\n") == "g OK executed 1\n")
    }
}
