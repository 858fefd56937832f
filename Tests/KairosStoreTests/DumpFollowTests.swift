import Foundation
import KairosCore
import KairosProtocol
import Testing
@testable import KairosStore

/// `--follow` driven by a scripted wait: each call performs the next step (instead of
/// sleeping 500 ms) and the poll after it must print exactly what the step added.
struct FollowScript {
    var out: [UInt8] = []
    var err: [String] = []
    /// Output length after each poll, to check what each step printed.
    var marks: [Int] = []

    mutating func run(_ path: String, format: DumpFormat = .text, compact: Bool = false,
                      steps: [() throws -> Void]) -> Int32 {
        var index = 0
        var out: [UInt8] = []
        var err: [String] = []
        var marks: [Int] = []
        let status = Dump.run(path: path, format: format, compact: compact,
                              stdout: { out += $0 }, stderr: { err.append($0) }) { _ in
            marks.append(out.count)
            guard index < steps.count else { return true }
            do {
                try steps[index]()
            } catch {
                Issue.record("follow step \(index) failed: \(error)")
            }
            index += 1
            return false
        }
        self.out = out
        self.err = err
        self.marks = marks
        return status
    }

    /// What the poll after step `poll` printed (0: the initial output).
    func printed(_ poll: Int) -> String {
        let start = poll == 0 ? 0 : marks[poll - 1]
        return String(decoding: out[start..<marks[poll]], as: UTF8.self)
    }
}

private func text(_ entries: [LogEntry]) -> String {
    var out: [UInt8] = []
    for entry in entries { DumpFormatter.appendLine(entry, format: .text, to: &out) }
    return String(decoding: out, as: UTF8.self)
}

private func append(_ bytes: [UInt8], to path: String) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(bytes))
    try handle.close()
}

@Suite struct DumpFollowTests {
    @Test func printsFramesAsTheyComplete() throws {
        let directory = TempDirectory()
        let path = directory.file("log")
        let first = [LogEntry.job(id: b("a"), execution: 1, status: .planned)]
        let second = LogEntry.rule(id: b("r"), pattern: b("a"), runner: .shell(command: b("true")))
        let third = LogEntry.job(id: b("a"), execution: 1, status: .executed)
        try directory.write("log", frames(first))
        let secondFrame = try LogCodec.encodeFrame(second)
        let thirdFrame = try LogCodec.encodeFrame(third)
        var script = FollowScript()
        let status = script.run(path, steps: [
            { try append(secondFrame + thirdFrame[0..<6], to: path) },
            { try append(Array(thirdFrame[6...]), to: path) },
            {},
        ])
        #expect(status == 0)
        #expect(script.marks.count == 4)
        #expect(script.printed(0) == text(first))
        #expect(script.printed(1) == text([second]))
        #expect(script.printed(2) == text([third]))
        #expect(script.printed(3) == "")
        #expect(script.err == [])
    }

    @Test func newFramesAreNotCompactedEvenWithCompact() throws {
        let directory = TempDirectory()
        let path = directory.file("log")
        let initial: [LogEntry] = [.job(id: b("a"), execution: 1, status: .planned), .job(id: b("a"), execution: 2, status: .planned)]
        let later: [LogEntry] = [.job(id: b("a"), execution: 3, status: .planned), .jobRemoval(id: b("a"))]
        try directory.write("log", frames(initial))
        var script = FollowScript()
        _ = script.run(path, format: .json, compact: true, steps: [{ try append(frames(later), to: path) }])
        #expect(script.printed(0) == #"{"type":"set","identifier":"a","execution":2,"status":"planned"}"# + "\n")
        #expect(script.printed(1) == #"{"type":"set","identifier":"a","execution":3,"status":"planned"}"# + "\n"
            + #"{"type":"remove","identifier":"a"}"# + "\n")
    }

    @Test func survivesCompactionWithoutReprinting() throws {
        let h = try CompactionHarness()
        h.write(workload(0))
        var script = FollowScript()
        let status = script.run(h.logfile, steps: [
            { _ = h.compactor.runOnce(checkpoint: .none) { h.write(workload(1)) } },
            { h.write(workload(2)) },
        ])
        #expect(status == 0)
        #expect(script.printed(0) == text(workload(0)))
        #expect(script.printed(1) == text(workload(1)))
        #expect(script.printed(2) == text(workload(2)))
        #expect(script.err == [])
        h.shutdown()
    }

    @Test func anUnrelatedReplacementIsPrintedWholeWithAWarning() throws {
        let directory = TempDirectory()
        let path = directory.file("log")
        try directory.write("log", frames([.job(id: b("a"), execution: 1, status: .planned)]))
        let other = [LogEntry.job(id: b("z"), execution: 9, status: .planned)]
        var script = FollowScript()
        _ = script.run(path, steps: [{
            try directory.write("other", frames(other))
            try PosixFileSystem().rename(directory.file("other"), to: path)
        }])
        #expect(script.printed(1) == text(other))
        #expect(script.err == ["warning: \(path) was replaced by a file that does not continue it; printing it from the start\n"])
    }

    @Test func aStopBeforeTheFirstPollEndsWithStatusZero() throws {
        var script = FollowScript()
        #expect(script.run(Fixture.path("ztick.log"), steps: []) == 0)
        #expect(script.out == (try Fixture.bytes("dump.txt")))
    }

    @Test func followOnAMissingFileExitsOne() {
        var script = FollowScript()
        #expect(script.run("/nonexistent/log", steps: [{}]) == 1)
        #expect(script.err == ["error: file not found: /nonexistent/log\n"])
    }
}
