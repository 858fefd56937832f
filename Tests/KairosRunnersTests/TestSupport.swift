import Foundation
import KairosSystem
import Glibc
import KairosProtocol
import KairosSync
import Logging
import Synchronization
@testable import KairosRunners

/// Log lines a pool wrote, as `[LEVEL] message`.
final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    func record(_ level: Logger.Level, _ message: String) {
        let word = switch level {
        case .trace, .debug: "DEBUG"
        case .info, .notice: "INFO"
        case .warning: "WARN"
        case .error, .critical: "ERROR"
        }
        lines.withLock { $0.append("[\(word)] \(message)") }
    }

    var all: [String] { lines.withLock { $0 } }

    var logger: Logger {
        let recorder = self
        var logger = Logger(label: "runners-test") { _ in RecordingHandler(recorder: recorder) }
        logger.logLevel = .debug
        return logger
    }
}

private struct RecordingHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { recorder.record(event.level, event.message.description) }
}

/// Polls `condition` every millisecond until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}

/// A started pool plus what a test needs around it.
final class Harness {
    let stats = ServerStats()
    let log = LogRecorder()
    let pool: RunnerPool
    private(set) var outcomes: [ExecutionOutcome] = []
    private var nextGeneration: UInt64 = 0

    init(_ config: RunnerConfig = RunnerConfig(), ringCapacity: Int = 1024, awfProgram: Bytes = LaunchPlan.awf,
         spawner: @escaping Spawner = ProcessSpawner.standard, networkFactory: NetworkClientFactory = .standard,
         outcomeDoorbell: Doorbell? = nil, start: Bool = true) throws {
        pool = try RunnerPool(
            config: config, stats: stats, outcomeDoorbell: try outcomeDoorbell ?? Doorbell(), logger: log.logger,
            ringCapacity: ringCapacity, awfProgram: awfProgram,
            spawner: spawner, networkFactory: networkFactory)
        if start { pool.start() }
    }

    deinit { pool.shutdown(graceMs: 0) }

    /// Submits `runner` for job `id` of rule `rule`, due at `scheduledAt` (ns since the epoch);
    /// the returned generation identifies its outcome.
    @discardableResult
    func submit(_ runner: RunnerSpec, id: String = "job", rule: String = "rule", scheduledAt: Int64 = 0) -> UInt64 {
        nextGeneration += 1
        pool.submit(Execution(jobID: Array(id.utf8), generation: nextGeneration, runner: runner, scheduledAt: scheduledAt, ruleID: Array(rule.utf8)))
        return nextGeneration
    }

    /// Drains until `count` outcomes arrived in total (or the deadline passed).
    @discardableResult
    func awaitOutcomes(_ count: Int, within seconds: Double = 10) -> [ExecutionOutcome] {
        _ = eventually(within: seconds) {
            drain()
            return outcomes.count >= count
        }
        return outcomes
    }

    /// Children the pool has reaped so far, counted from its debug log.
    var endedRuns: Int { log.all.filter { $0.hasPrefix("[DEBUG] runner: job ") && $0.contains(" ended: ") }.count }

    func drain() { pool.drainOutcomes { outcomes.append($0) } }

    /// Runs one execution and returns its success flag (nil if no outcome came).
    func run(_ runner: RunnerSpec, within seconds: Double = 10) -> Bool? {
        let generation = submit(runner)
        return awaitOutcomes(outcomes.count + 1, within: seconds).first { $0.generation == generation }?.success
    }
}

func bytes(_ text: String) -> Bytes { Array(text.utf8) }

func direct(_ executable: String, _ args: String...) -> RunnerSpec {
    .direct(executable: bytes(executable), args: args.map(bytes))
}

func shell(_ command: String) -> RunnerSpec { .shell(command: bytes(command)) }

/// A fresh directory under the system temp dir.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-runners-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Whether `pid` is a live process. A zombie counts as dead: a killed grandchild waits as one
/// until its new parent (init, or a container's pid 1 that may never reap) collects it.
func processIsAlive(_ pid: pid_t) -> Bool {
    if kill(pid, 0) != 0 && errno == ESRCH { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let end = stat.lastIndex(of: ")")
    else { return false }
    // The state letter follows the command name, which is in parentheses and may hold spaces.
    return !stat[end...].hasPrefix(") Z")
}

struct WriteFailed: Error {
    let path: String
    let code: Int32
}

/// Writes a script with mode 0755 through a close-on-exec descriptor. (Foundation's writers
/// leave theirs inheritable: a child spawned meanwhile by a parallel test would keep the file
/// open for writing, and exec of the script would fail with ETXTBSY.)
func writeExecutable(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
    guard fd >= 0 else { throw WriteFailed(path: path, code: errno) }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    guard write(fd, bytes, bytes.count) == bytes.count else { throw WriteFailed(path: path, code: errno) }
}
