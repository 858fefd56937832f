import CKairos
import Glibc

/// The one place that turns shim results into Swift values (ARCHITECTURE rule 2).
///
/// Shim functions return the result or `-errno`. EINTR is retried here and nowhere else;
/// EBADF and EFAULT mean a bug in our descriptor handling, so they stop the process.
public enum SystemCall {
    /// Runs `body` until it stops failing with EINTR; maps negative results to `Errno`.
    @inline(__always)
    public static func run<T: SignedInteger>(_ name: StaticString, _ body: () -> T) throws(Errno) -> T {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = CInt(truncatingIfNeeded: 0 - result)
            if code == EINTR { continue }
            precondition(code != EBADF && code != EFAULT, "\(name): \(Errno(code)) (descriptor bug)")
            throw Errno(code)
        }
    }

    /// As `run`, but EAGAIN becomes `.wouldBlock` instead of an error.
    @inline(__always)
    public static func nonBlocking<T: SignedInteger & Sendable>(
        _ name: StaticString, _ body: () -> T
    ) throws(Errno) -> IOResult<T> {
        do {
            return .processed(try run(name, body))
        } catch where error.rawValue == EAGAIN || error.rawValue == EWOULDBLOCK {
            return .wouldBlock
        }
    }

    /// For functions that return 0 or a positive error number (pthread/posix_spawn style).
    @inline(__always)
    public static func positive(_ name: StaticString, _ result: CInt) throws(Errno) {
        if result != 0 { throw Errno(result) }
    }
}
