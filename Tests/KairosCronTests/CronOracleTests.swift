import Foundation
import KairosCron
import Testing

/// The next-occurrence function against croniter (issue 15): 10,000 random valid expressions ×
/// start instants × zones (Europe/Paris, America/New_York, Australia/Lord_Howe, UTC), next 5
/// occurrences each, fixed seed. `cron_oracle.py` documents the two deliberate differences.
/// `KAIROS_CRON_CASES` raises the count (`make test-cron-large`).
@Suite struct CronOracleTests {
    static let oracle = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("cron_oracle.py").path

    @Test func agreesWithCroniter() throws {
        let count = Int(ProcessInfo.processInfo.environment["KAIROS_CRON_CASES"] ?? "") ?? 10_000
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.oracle, "15", String(count)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "the oracle needs python3 with croniter (make deps)")
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == count)
        var mismatches: [String] = []
        var zones: [String: CronSchedule] = [:]
        for (index, line) in lines.enumerated() {
            let parts = line.split(separator: "\t").map(String.init)
            guard parts.count == 4, let start = Int64(parts[2]) else {
                mismatches.append("bad oracle line: \(line)")
                continue
            }
            let key = parts[0] + "\t" + parts[1]
            guard let schedule = zones[key] ?? CronSchedule.parse(parts[0], zone: parts[1]) else {
                mismatches.append("refused: \(parts[0]) in \(parts[1])")
                continue
            }
            zones[key] = schedule
            let expected = parts[3].split(separator: " ").compactMap { Int64($0) }.map { $0 * 1_000_000_000 }
            // Sub-second parts of the start must not matter: cron works in whole minutes.
            var instant = start * 1_000_000_000 + Int64(index % 1_000) * 999_999
            var got: [Int64] = []
            for _ in 0..<5 {
                guard let next = schedule.next(after: instant) else { break }
                got.append(next)
                instant = next
            }
            if got != expected, mismatches.count < 20 {
                mismatches.append("\(parts[0]) | \(parts[1]) | start \(start): kairos \(got.map { $0 / 1_000_000_000 }) croniter \(expected.map { $0 / 1_000_000_000 })")
            }
        }
        #expect(mismatches == [])
    }
}
