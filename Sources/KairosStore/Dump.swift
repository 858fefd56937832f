import CKairos
import Glibc
import KairosCore
import KairosSystem

/// `kairos dump LOGFILE [--format text|json] [--compact] [--follow]` (docs/logfile-format.md#kairos-dump, D-compaction).
public enum Dump {
    /// Prints the logfile's entries; returns the exit status. `stdout` receives output bytes,
    /// `stderr` complete diagnostic lines (each ending with LF).
    ///
    /// With `follow`, SIGINT and SIGTERM are blocked on the calling thread and read from a
    /// signalfd, ending the command with status 0: call it from the main thread before any
    /// other thread is started.
    public static func run(path: String, format: DumpFormat, compact: Bool, follow: Bool,
                           stdout: ([UInt8]) -> Void, stderr: (String) -> Void) -> Int32 {
        guard follow else {
            return run(path: path, format: format, compact: compact, stdout: stdout, stderr: stderr, wait: nil)
        }
        let stop = SignalStop()
        return run(path: path, format: format, compact: compact, stdout: stdout, stderr: stderr) { milliseconds in
            stop.wait(milliseconds: milliseconds)
        }
    }

    /// The poll interval of `--follow`.
    package static let followIntervalMilliseconds: CInt = 500

    /// `wait` nil: no follow. Otherwise it sleeps between polls and returns true to stop.
    package static func run(path: String, format: DumpFormat, compact: Bool,
                            stdout: ([UInt8]) -> Void, stderr: (String) -> Void,
                            wait: ((CInt) -> Bool)?) -> Int32 {
        withoutActuallyEscaping(stdout) { stdout in
            withoutActuallyEscaping(stderr) { stderr in
                var out = DumpOutput(format: format, stdout: stdout, stderr: stderr)
                defer { out.flush() }
                let fd: FileDescriptor
                let bytes: [UInt8]
                do throws(Errno) {
                    fd = try FileDescriptor.open(path, flags: O_RDONLY)
                } catch {
                    out.diagnostic(openFailureMessage(path: path, error: error))
                    return 1
                }
                do throws(Errno) {
                    bytes = try FileReading.read(fd, from: 0, limit: nil)
                } catch {
                    fd.close()
                    out.diagnostic(openFailureMessage(path: path, error: error))
                    return 1
                }
                var state = FollowState()
                let (consumed, frames) = printInitial(bytes, compact: compact, state: &state, out: &out)
                guard let wait else {
                    fd.close()
                    return 0
                }
                out.flush()
                var follower = DumpFollower(path: path, fd: fd, offset: Int64(consumed), frames: frames, state: state)
                while !wait(followIntervalMilliseconds) {
                    follower.poll(&out)
                    out.flush()
                }
                follower.close()
                return 0
            }
        }
    }

    /// The exit-1 diagnostics of docs/logfile-format.md#kairos-dump, plus a generic one for other read errors.
    package static func openFailureMessage(path: String, error: Errno) -> String {
        switch error.rawValue {
        case ENOENT: "error: file not found: \(path)\n"
        case EACCES, EPERM: "error: permission denied: \(path)\n"
        default: "error: cannot read \(path): \(error)\n"
        }
    }

    /// Prints the whole file (deduplicated with `compact`) and its warnings. Returns the end
    /// of the last complete frame and the number of complete frames.
    private static func printInitial(_ bytes: [UInt8], compact: Bool, state: inout FollowState,
                                     out: inout DumpOutput) -> (consumed: Int, frames: Int) {
        bytes.withUnsafeBytes { raw in
            var scanner = FrameScanner(raw)
            var index = 0
            var dedup = Deduplicator()
            var entries: [LogEntry?] = []
            while let frame = scanner.next() {
                defer { index += 1 }
                guard let entry = try? LogDecoder.decode(payload: frame.payload) else {
                    out.warnUndecodable(frame: index)
                    if compact {
                        dedup.add(nil)
                        entries.append(nil)
                    }
                    continue
                }
                state.apply(entry)
                if compact {
                    dedup.add(entry)
                    entries.append(entry)
                } else {
                    out.print(entry)
                }
            }
            for position in entries.indices
            where dedup.survives(position, keepRemovals: false, keepUndecodable: false) {
                if let entry = entries[position] { out.print(entry) }
            }
            if scanner.tailLength > 0 {
                out.diagnostic("warning: partial trailing frame (\(scanner.tailLength) bytes) ignored\n")
            }
            return (scanner.consumed, index)
        }
    }
}

/// SIGINT/SIGTERM as a readable descriptor, so `--follow` can sleep and still end at once.
private final class SignalStop {
    private let descriptor: FileDescriptor?
    private let waiter: BellWaiter?

    init() {
        let signals: [CInt] = [SIGINT, SIGTERM]
        let fd = try? SystemCall.run("signalfd") { signals.withUnsafeBufferPointer { ckairos_signalfd_block($0.baseAddress, 2) } }
        descriptor = fd.map { FileDescriptor(rawValue: $0) }
        waiter = descriptor.flatMap { try? BellWaiter(descriptor: $0) }
    }

    deinit { descriptor?.close() }

    /// Sleeps up to `milliseconds`; true when a stop signal arrived.
    func wait(milliseconds: CInt) -> Bool {
        guard let waiter else {
            // No signalfd: default signal dispositions still end the process.
            usleep(useconds_t(milliseconds) * 1000)
            return false
        }
        return waiter.wait(timeoutMilliseconds: milliseconds)
    }
}
