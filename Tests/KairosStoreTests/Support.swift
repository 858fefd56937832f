import Foundation
import Glibc
import KairosCore
import KairosProtocol
import Logging
import Synchronization
@testable import KairosStore

/// Golden files copied from the reference (see Fixtures/), found relative to this source file.
enum Fixture {
    static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }
}

/// A fresh directory under /tmp, removed when the value is released.
class TempDirectory {
    let path: String
    private let owned: Bool

    /// Another handle on `other`'s directory, which stays `other`'s to remove.
    init(viewing other: TempDirectory) {
        path = other.path
        owned = false
    }

    /// A handle on a directory someone else created and removes.
    init(existing path: String) {
        self.path = path
        owned = false
    }

    init() {
        owned = true
        var template = Array("/tmp/kairos-store-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }

    deinit {
        if owned { try? FileManager.default.removeItem(atPath: path) }
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }

    func read(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }

    func list() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
}

func TempDirectoryView(_ other: TempDirectory) -> TempDirectory { TempDirectory(viewing: other) }

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(500)
    }
    return condition()
}

/// Log lines kept for assertions (and kept out of the test output).
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var messages: [String] { lines.withLock { $0 } }

    func contains(_ fragment: String) -> Bool { messages.contains { $0.contains(fragment) } }

    var logger: Logger {
        Logger(label: "test") { _ in CapturingHandler(capture: self) }
    }

    fileprivate func add(_ line: String) { lines.withLock { $0.append(line) } }
}

private struct CapturingHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.add("[\(event.level)] \(event.message)")
    }
}

/// The effective tables a sequence of entries produces (docs/logfile-format.md#replay-at-startup step 4), to compare replays.
struct TableState: Equatable, CustomStringConvertible {
    var jobs: [Bytes: LogEntry] = [:]
    var rules: [Bytes: LogEntry] = [:]
    /// Recurring jobs' schedules (issue 15), with the core's replay rules: a job entry or removal
    /// clears the schedule, a schedule counts only for an existing job.
    var schedules: [Bytes: LogEntry] = [:]

    mutating func apply(_ entry: LogEntry) {
        switch entry {
        case .job(let id, _, _): jobs[id] = entry; schedules[id] = nil
        case .rule(let id, _, _): rules[id] = entry
        case .jobRemoval(let id): jobs[id] = nil; schedules[id] = nil
        case .ruleRemoval(let id): rules[id] = nil
        case .schedule(let id, _, _): if jobs[id] != nil { schedules[id] = entry }
        }
    }

    init() {}

    init(_ entries: [LogEntry]) {
        for entry in entries { apply(entry) }
    }

    /// Replays a logfile's directory as a starting server would.
    static func replaying(_ logfile: String) throws -> TableState {
        var state = TableState()
        _ = try Replayer.replay(logfile: logfile, logger: LogCapture().logger) { state.apply($0) }
        return state
    }

    var description: String { "\(jobs.count) jobs, \(rules.count) rules" }
}

/// Byte helpers.
func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { $0.isHexDigit }
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

func b(_ text: String) -> Bytes { Array(text.utf8) }

func frames(_ entries: [LogEntry]) throws -> [UInt8] {
    var out: [UInt8] = []
    for entry in entries { try LogCodec.appendFrame(entry, to: &out) }
    return out
}

/// Stands in for the server's exit(3) after a failed fsync (D-storage-faults).
final class FailStopRecorder: Sendable {
    private let messages = Mutex<[String]>([])

    var hook: FailStop { { message in self.messages.withLock { $0.append(message) } } }

    var recorded: [String] { messages.withLock { $0 } }
}
