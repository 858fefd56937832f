#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole config or auth file, refusing anything over the 1 MiB limit of docs/protocol.md#authentication and README.md#configuration.
enum TextFile {
    /// The largest file either loader accepts.
    static let maximumSize = 1 << 20

    enum Failure: Error, Equatable {
        case notFound
        /// The `strerror` text of the failing call.
        case unreadable(String)
        case tooLarge
        case notUTF8
    }

    /// What a missing file is called in messages, as the C library says it ("No such file or directory").
    static var notFoundText: String { describe(ENOENT) }

    static func load(path: String) -> Result<String, Failure> {
        // errno is read inside each closure, right after the call, before Swift frees anything it bridged.
        let (fd, openError) = path.withCString { cPath in
            let fd = open(cPath, O_RDONLY | O_CLOEXEC)
            return (fd, fd < 0 ? errno : 0)
        }
        if fd < 0 {
            return .failure(openError == ENOENT ? .notFound : .unreadable(describe(openError)))
        }
        defer { close(fd) }

        // One byte past the limit tells "exactly 1 MiB" from "too large" without trusting st_size (pipes, /proc).
        var bytes = [UInt8](repeating: 0, count: maximumSize + 1)
        var filled = 0
        while filled < bytes.count {
            let (count, readError) = bytes.withUnsafeMutableBytes { buffer in
                let count = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
                return (count, count < 0 ? errno : 0)
            }
            if count < 0 {
                if readError == EINTR { continue }
                return .failure(.unreadable(describe(readError)))
            }
            if count == 0 { break }
            filled += count
        }
        if filled > maximumSize {
            return .failure(.tooLarge)
        }
        guard let text = String(validating: bytes[..<filled], as: UTF8.self) else {
            return .failure(.notUTF8)
        }
        return .success(text)
    }

    private static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
