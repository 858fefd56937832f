import Foundation
import KairosSystem
import Synchronization
@testable import KairosStore

/// Failures to inject, consumed in order, and counters of what the journal did.
final class FaultPlan: Sendable {
    struct State {
        /// Next appends fail with this errno after writing `partial` bytes.
        var writeFaults: [(errno: Errno, partial: Int)] = []
        var syncFaults: [Errno] = []
        var truncateFaults: [Errno] = []
        var renameFaults: [Errno] = []
        var directorySyncFaults: [Errno] = []
        var writes = 0
        var syncs = 0
        var truncates = 0
        var directorySyncs = 0
        var bytesWritten: [Int] = []
        /// While set, `sync` blocks (to pile batches up behind an fsync).
        var holdSync = false
        var syncsWaiting = 0
    }

    let state = Mutex(State())
    private let gate = NSCondition()

    func update(_ body: (inout State) -> Void) { state.withLock { body(&$0) } }

    func read<T>(_ body: (State) -> T) -> T { state.withLock { body($0) } }

    func holdSyncs(_ hold: Bool) {
        gate.lock()
        state.withLock { $0.holdSync = hold }
        gate.broadcast()
        gate.unlock()
    }

    fileprivate func waitWhileHeld() {
        gate.lock()
        state.withLock { $0.syncsWaiting += 1 }
        while state.withLock({ $0.holdSync }) { gate.wait() }
        state.withLock { $0.syncsWaiting -= 1 }
        gate.unlock()
    }

    fileprivate func takeWriteFault(size: Int) -> (errno: Errno, partial: Int)? {
        state.withLock { state in
            state.writes += 1
            state.bytesWritten.append(size)
            return state.writeFaults.isEmpty ? nil : state.writeFaults.removeFirst()
        }
    }

    fileprivate func take(_ path: WritableKeyPath<State, [Errno]>) -> Errno? {
        state.withLock { state in state[keyPath: path].isEmpty ? nil : state[keyPath: path].removeFirst() }
    }
}

/// A real file whose operations fail when the plan says so.
final class FaultyLogFile: LogFileIO {
    let inner: any LogFileIO
    let plan: FaultPlan

    init(_ inner: any LogFileIO, plan: FaultPlan) {
        self.inner = inner
        self.plan = plan
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws(PartialWrite) {
        if let fault = plan.takeWriteFault(size: bytes.count) {
            let partial = min(fault.partial, bytes.count)
            if partial > 0 { try inner.append(UnsafeRawBufferPointer(rebasing: bytes[0..<partial])) }
            throw PartialWrite(written: partial, errno: fault.errno)
        }
        try inner.append(bytes)
    }

    func sync() throws(Errno) {
        plan.update { $0.syncs += 1 }
        if plan.read({ $0.holdSync }) { plan.waitWhileHeld() }
        if let errno = plan.take(\.syncFaults) { throw errno }
        try inner.sync()
    }

    func truncate(to length: Int64) throws(Errno) {
        plan.update { $0.truncates += 1 }
        if let errno = plan.take(\.truncateFaults) { throw errno }
        try inner.truncate(to: length)
    }

    func size() throws(Errno) -> Int64 { try inner.size() }

    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try inner.read(at: offset, into: buffer)
    }

    func close() { inner.close() }
}

struct FaultyFileSystem: LogFileSystem {
    let plan: FaultPlan
    private let inner = PosixFileSystem()

    init(plan: FaultPlan) { self.plan = plan }

    func openLog(_ path: String) throws(Errno) -> any LogFileIO {
        FaultyLogFile(try inner.openLog(path), plan: plan)
    }

    func createTemp(_ path: String) throws(Errno) -> any LogFileIO {
        FaultyLogFile(try inner.createTemp(path), plan: plan)
    }

    func rename(_ from: String, to: String) throws(Errno) {
        if let errno = plan.take(\.renameFaults) { throw errno }
        try inner.rename(from, to: to)
    }

    func remove(_ path: String) throws(Errno) { try inner.remove(path) }

    func syncDirectory(_ path: String) throws(Errno) {
        plan.update { $0.directorySyncs += 1 }
        if let errno = plan.take(\.directorySyncFaults) { throw errno }
        try inner.syncDirectory(path)
    }
}
