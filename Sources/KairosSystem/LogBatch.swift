import CKairos
import Glibc

/// Log lines a thread writes while it works through a batch, sent with one `write` at the end.
///
/// The runner thread logs one line per run; at tens of thousands of runs a second a `write`
/// per line cost more than the run itself. A thread that opens a batch (`collect`) hands
/// every complete line its log handler produces to the batch instead, and the batch writes
/// them all at once when the body returns, so lines still arrive whole and in order, never
/// interleaved with another thread's, only microseconds later. A thread with no batch open
/// writes each line at once, as before. The open batch is per thread (a pthread key), so log
/// handlers, which are values shared by every thread, need no state of their own.
public final class LogBatch {
    /// A batch that grows past this is written at once: the batch bounds memory, not lines.
    public static let flushBytes = 64 * 1024

    private var pending: [UInt8] = []
    private var descriptor: CInt = -1

    public init() {
        pending.reserveCapacity(Self.flushBytes)
    }

    /// Runs `body` with this batch open on the calling thread, then writes what it gathered.
    /// Nested calls on a thread that already has a batch open just run `body`.
    public func collect<T>(_ body: () throws -> T) rethrows -> T {
        guard pthread_getspecific(Self.key) == nil else { return try body() }
        _ = pthread_setspecific(Self.key, Unmanaged.passUnretained(self).toOpaque())
        defer {
            _ = pthread_setspecific(Self.key, nil)
            flush()
        }
        return try body()
    }

    /// Writes `line` (one or more whole lines) to `fd`: into the calling thread's open batch if
    /// it has one for that descriptor, else at once. Write errors are ignored (a log line has
    /// nowhere else to go).
    public static func write(_ line: UnsafeRawBufferPointer, to fd: CInt) {
        if let open = pthread_getspecific(key) {
            let batch = Unmanaged<LogBatch>.fromOpaque(open).takeUnretainedValue()
            if batch.descriptor != fd {
                batch.flush()
                batch.descriptor = fd
            }
            batch.pending.append(contentsOf: line)
            if batch.pending.count >= flushBytes { batch.flush() }
            return
        }
        writeAll(line, to: fd)
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        pending.withUnsafeBytes { Self.writeAll($0, to: descriptor) }
        pending.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: CInt) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = ckairos_write(fd, base + offset, bytes.count - offset)
            if written == -EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }

    /// The calling thread's open batch, if any. Created once per process.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let created = pthread_key_create(&key, nil)
        precondition(created == 0, "pthread_key_create failed: \(created)")
        return key
    }()
}
