import Foundation
import Glibc
import Testing

/// Recurring jobs against the real binary (issue 15): `EVERY`, restarts, missed runs, `RETRY`,
/// `INFO`, dump and compaction of schedule entries.
@Suite struct RecurringJobTests {
    static let second: Int64 = 1_000_000_000

    static func server(_ directory: URL, compression: Int = 0) throws -> ServerProcess {
        try ServerProcess(
            database: """
                [database]
                persistence = "logfile"
                logfile_path = "\(directory.appendingPathComponent("logfile").path)"
                fsync_on_persist = false
                compression_interval = \(compression)
                """,
            directory: directory)
    }

    static func wallNs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * second + Int64(spec.tv_nsec)
    }

    /// The KAIROS_EXECUTION_NS values the rule's command appended, one per run.
    static func runs(_ file: String) -> [Int64] {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int64($0) }
    }

    static func info(_ client: TestClient, _ job: String) throws -> String {
        try client.send("i INFO \(job)\n")
        return try client.readLine()
    }

    @Test func everySecondRunsWithTheExecutionTimeAdvancing() throws {
        let directory = try ServerProcess.makeDirectory()
        let marker = directory.appendingPathComponent("runs").path
        let server = try Self.server(directory)
        let client = try TestClient(port: server.port)
        let anchor = Self.wallNs() / Self.second * Self.second + Self.second
        try client.send("r RULE SET tick tick. shell \"echo $KAIROS_EXECUTION_NS >> \(marker)\"\ns SET tick.1 \(anchor) EVERY 1s\n")
        #expect(try client.receive("r OK\ns OK\n") == "r OK\ns OK\n")
        #expect(ServerProcess.eventually(timeout: 15) { Self.runs(marker).count >= 3 })
        let times = Self.runs(marker)
        #expect(Array(times.prefix(3)) == [anchor, anchor + Self.second, anchor + 2 * Self.second])
        let info = try Self.info(client, "tick.1")
        #expect(info.hasPrefix("i OK "))
        #expect(info.contains(" every=1s retry=0/10s last=executed@"))
        // GET keeps the reference shape for existing clients: the next occurrence, planned
        // (or triggered while a run is going).
        try client.send("g GET tick.1\n")
        let get = try client.readLine()
        #expect(get.hasPrefix("g OK planned ") || get.hasPrefix("g OK triggered "))
    }

    /// Scheduled, stopped before the first occurrence, down through four occurrences: after the
    /// restart the missed ones run once (as the first, with its own execution time), then the
    /// schedule resumes on its grid.
    @Test func restartKeepsTheScheduleAndMissedRunsRunOnce() throws {
        let directory = try ServerProcess.makeDirectory()
        let marker = directory.appendingPathComponent("runs").path
        let anchor = Self.wallNs() / Self.second * Self.second + 2 * Self.second
        do {
            let server = try Self.server(directory)
            let client = try TestClient(port: server.port)
            try client.send("r RULE SET j j. shell \"echo $KAIROS_EXECUTION_NS >> \(marker)\"\ns SET j.1 \(anchor) EVERY 1s\n")
            #expect(try client.receive("r OK\ns OK\n") == "r OK\ns OK\n")
            #expect(server.terminate() == 0)
        }
        #expect(Self.runs(marker) == [])
        // Down until four occurrences have passed (the wall clock is the condition here).
        _ = ServerProcess.eventually(timeout: 10) { Self.wallNs() > anchor + 3 * Self.second + Self.second / 2 }
        let restartedAt = Self.wallNs()
        let server = try Self.server(directory)
        let client = try TestClient(port: server.port)
        #expect(ServerProcess.eventually(timeout: 15) { Self.runs(marker).count >= 2 })
        let times = Self.runs(marker)
        #expect(times[0] == anchor)
        // No catch-up of anchor+1s..anchor+3s: the next run is the first occurrence after the
        // restart, on the grid.
        #expect(times[1] > restartedAt - Self.second)
        #expect((times[1] - anchor) % Self.second == 0)
        #expect(try Self.info(client, "j.1").contains(" every=1s "))
    }

    @Test func retryAfterAFailingCommandThenTheSchedule() throws {
        let directory = try ServerProcess.makeDirectory()
        let marker = directory.appendingPathComponent("runs").path
        let server = try Self.server(directory)
        let client = try TestClient(port: server.port)
        let anchor = Self.wallNs()
        try client.send(
            "r RULE SET f f. shell \"echo $KAIROS_EXECUTION_NS >> \(marker); exit 3\"\ns SET f.1 \(anchor) EVERY 1h RETRY 2 1s\n")
        #expect(try client.receive("r OK\ns OK\n") == "r OK\ns OK\n")
        var info = ""
        #expect(try ServerProcess.eventually(timeout: 20) {
            info = try Self.info(client, "f.1")
            return info.hasSuffix(" runs=3 failures=3\n")
        })
        let times = Self.runs(marker)
        #expect(times.count == 3)
        // Retry 1 comes ≥ 1 s after the first run, retry 2 ≥ 2 s after the first retry.
        #expect(times.count == 3 && times[1] - times[0] >= Self.second && times[2] - times[1] >= 2 * Self.second)
        // Retries exhausted: back on the schedule, one hour after the anchor.
        #expect(info == "i OK planned \(anchor + 3600 * Self.second) every=1h retry=2/1s last=failed@\(times.last ?? 0) runs=3 failures=3\n")
        #expect(ServerProcess.eventually { server.stderr.contains("f.1") })
    }

    @Test func dumpShowsSchedulesAndCompactionKeepsThem() throws {
        let directory = try ServerProcess.makeDirectory()
        let log = directory.appendingPathComponent("logfile").path
        let far: Int64 = 4_102_444_800_000_000_000  // 2100-01-01
        do {
            let server = try Self.server(directory, compression: 1)
            let client = try TestClient(port: server.port)
            try client.send("a SET keep \(far) EVERY 1d RETRY 1\nb SET back \(far) EVERY 1h\nc SET back \(far + 1)\nd SET gone \(far) EVERY 2h\ne REMOVE gone\n")
            #expect(try client.receive("a OK\nb OK\nc OK\nd OK\ne OK\n") == "a OK\nb OK\nc OK\nd OK\ne OK\n")
            // Compaction leaves only the live job entries and the one live schedule.
            let expected = """
                SET keep \(far) planned
                SCHEDULE keep every=1d anchor=\(far) retry=1/10s last=none@0 runs=0 failures=0 attempt=0
                SET back \(far + 1) planned

                """
            var dumped = ""
            #expect(try ServerProcess.eventually(timeout: 20) {
                dumped = try ServerProcess.runCLI(["dump", log]).stdout
                return dumped == expected
            }, "last dump: \(dumped)")
            let json = try ServerProcess.runCLI(["dump", log, "--format", "json"]).stdout
            #expect(json.contains(#"{"type":"schedule","identifier":"keep","every_ns":86400000000000,"anchor":\#(far),"retries":1,"#))
            #expect(server.terminate() == 0)
        }
        let server = try Self.server(directory)
        let client = try TestClient(port: server.port)
        #expect(try Self.info(client, "keep") == "i OK planned \(far) every=1d retry=1/10s last=none@0 runs=0 failures=0\n")
        #expect(try Self.info(client, "back") == "i OK planned \(far + 1) once retry=0/0s last=none@0 runs=0 failures=0\n")
        #expect(try Self.info(client, "gone") == "i ERROR\n")
    }

    @Test func badClausesAreErrorsAndChangeNothing() throws {
        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        try client.send("a SET x 5 EVERY 0s\nb SET x 5 EVERY 1m RETRY\nc SET x 5 RETRY 2\nd GET x\ne INFO\n")
        #expect(try client.receive("a ERROR\nb ERROR\nc ERROR\nd ERROR\ne ERROR\n") == "a ERROR\nb ERROR\nc ERROR\nd ERROR\ne ERROR\n")
    }
}

/// CRON schedules against the real binary: planned from the server's clock in the given zone,
/// kept across a restart, refused when invalid.
@Suite struct CronJobTests {
    @Test func cronJobIsPlannedInItsZoneAndSurvivesRestart() throws {
        let directory = try ServerProcess.makeDirectory()
        let before = RecurringJobTests.wallNs()
        var planned = ""
        do {
            let server = try RecurringJobTests.server(directory)
            let client = try TestClient(port: server.port)
            try client.send("a SET nightly CRON \"30 2 * * *\" TZ Europe/Paris RETRY 1\nb SET bad CRON \"30 2 * *\"\nc SET bad CRON @daily TZ Nowhere/Else\n")
            #expect(try client.receive("a OK\nb ERROR\nc ERROR\n") == "a OK\nb ERROR\nc ERROR\n")
            planned = try RecurringJobTests.info(client, "nightly")
            #expect(server.terminate() == 0)
        }
        let fields = planned.split(separator: " ")
        let next = Int64(fields.count > 3 ? String(fields[3]) : "") ?? 0
        // Within the next ~25 hours, at 02:30 Paris time = 00:30 or 01:30 UTC (DST), or the
        // transition instant when 02:30 does not exist that night.
        #expect(next > before && next - before <= 25 * 3600 * RecurringJobTests.second)
        let utcMinute = (next / RecurringJobTests.second) % 86_400
        #expect([1_800, 5_400, 3_600].contains(utcMinute))
        #expect(planned.hasSuffix(#" cron="30 2 * * *"@Europe/Paris retry=1/10s last=none@0 runs=0 failures=0"# + "\n"))
        let dump = try ServerProcess.runCLI(["dump", directory.appendingPathComponent("logfile").path]).stdout
        #expect(dump.contains(#"SCHEDULE nightly cron="30 2 * * *"@Europe/Paris anchor=0 retry=1/10s"#))
        let server = try RecurringJobTests.server(directory)
        let client = try TestClient(port: server.port)
        #expect(try RecurringJobTests.info(client, "nightly") == planned)
    }
}
