import Foundation
import Glibc
import KairosSystem
import Testing

/// `LogBatch`: a thread's lines written together at the end of its batch, whole and in order;
/// other threads, and the same thread outside a batch, write at once.
@Suite struct LogBatchTests {
    /// A scratch file and its descriptor; what was written so far is `contents`.
    private final class Scratch: @unchecked Sendable {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("logbatch-\(UUID().uuidString)").path
        let fd: FileDescriptor

        init() throws {
            fd = try FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_APPEND)
        }

        deinit {
            fd.close()
            unlink(path)
        }

        var contents: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<unreadable>" }

        func write(_ text: String) {
            var text = text
            text.withUTF8 { LogBatch.write(UnsafeRawBufferPointer($0), to: fd.rawValue) }
        }
    }

    @Test func linesInABatchArriveTogetherWhenItEnds() throws {
        let file = try Scratch()
        let batch = LogBatch()
        let seenInside = batch.collect { () -> String in
            file.write("one\n")
            file.write("two\n")
            return file.contents
        }
        #expect(seenInside == "")
        #expect(file.contents == "one\ntwo\n")
        file.write("three\n")
        #expect(file.contents == "one\ntwo\nthree\n", "outside a batch a line is written at once")
    }

    @Test func anotherThreadWritesAtOnceWhileABatchIsOpenHere() throws {
        let file = try Scratch()
        let batch = LogBatch()
        batch.collect {
            file.write("batched\n")
            let other = Thread { file.write("other thread\n") }
            other.start()
            let deadline = Date().addingTimeInterval(10)
            while !other.isFinished, Date() < deadline { usleep(1000) }
            #expect(file.contents == "other thread\n")
        }
        #expect(file.contents == "other thread\nbatched\n")
    }

    @Test func nestedCollectsWriteOnceAtTheOuterEnd() throws {
        let file = try Scratch()
        let batch = LogBatch()
        batch.collect {
            LogBatch().collect { file.write("inner\n") }
            #expect(file.contents == "")
            file.write("outer\n")
        }
        #expect(file.contents == "inner\nouter\n")
    }

    @Test func aBatchPastItsBoundIsWrittenEarlyAndKeepsItsOrder() throws {
        let file = try Scratch()
        let line = String(repeating: "x", count: 999) + "\n"
        let lines = LogBatch.flushBytes / line.utf8.count + 2
        let batch = LogBatch()
        let writtenEarly = batch.collect { () -> Int in
            for _ in 0..<lines { file.write(line) }
            return file.contents.utf8.count
        }
        #expect(writtenEarly > 0 && writtenEarly % line.utf8.count == 0, "only whole lines, before the end")
        #expect(file.contents == String(repeating: line, count: lines))
    }

    @Test func linesForAnotherDescriptorFlushWhatCameBefore() throws {
        let first = try Scratch()
        let second = try Scratch()
        let batch = LogBatch()
        batch.collect {
            first.write("a\n")
            second.write("b\n")
            #expect(first.contents == "a\n", "switching descriptors writes the first one's lines")
            #expect(second.contents == "")
        }
        #expect(second.contents == "b\n")
    }
}
