import Glibc

/// A typed errno value. Every failed system call surfaces as one of these, never as a bare `CInt`.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: CInt
    public init(_ rawValue: CInt) { self.rawValue = rawValue }

    public static let wouldBlock = Errno(EAGAIN)
    public static let interrupted = Errno(EINTR)
    public static let badFileDescriptor = Errno(EBADF)
    public static let tooManyOpenFiles = Errno(EMFILE)
    public static let tooManyOpenFilesInSystem = Errno(ENFILE)
    public static let noSuchFile = Errno(ENOENT)
    public static let permissionDenied = Errno(EACCES)
    public static let connectionReset = Errno(ECONNRESET)
    public static let brokenPipe = Errno(EPIPE)
    public static let inProgress = Errno(EINPROGRESS)
    public static let addressInUse = Errno(EADDRINUSE)
    public static let noSpace = Errno(ENOSPC)
    public static let io = Errno(EIO)

    public var description: String {
        guard let text = strerror(rawValue) else { return "errno \(rawValue)" }
        return String(cString: text)
    }
}

/// The outcome of a non-blocking system call: done, or try again when the fd is ready.
public enum IOResult<T>: Sendable where T: Sendable {
    case processed(T)
    case wouldBlock
}
