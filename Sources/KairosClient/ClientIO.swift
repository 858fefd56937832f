import CKairos
import Glibc

/// The client's descriptor calls outside sockets and TLS: waiting, reading stdin, writing
/// stdout and stderr. Results are counts or -errno, as the C shim returns them.
enum ClientIO {
    /// poll(2); the number of ready entries, 0 on timeout, or -errno.
    static func poll(_ entries: inout [pollfd], timeoutMilliseconds: CInt) -> CInt {
        let ready = Glibc.poll(&entries, nfds_t(entries.count), timeoutMilliseconds)
        return ready < 0 ? -errno : ready
    }

    /// One read(2), retried on EINTR: bytes read, 0 at the end, or -errno.
    static func read(_ descriptor: CInt, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let count = ckairos_read(descriptor, buffer.baseAddress, buffer.count)
            if count != -Int(EINTR) { return count }
        }
    }

    /// One send(2) with MSG_NOSIGNAL, retried on EINTR: bytes sent or -errno. A closed peer is
    /// EPIPE, never SIGPIPE, whatever the process's signal settings.
    static func send(_ descriptor: CInt, _ buffer: UnsafeRawBufferPointer) -> Int {
        while true {
            let count = Glibc.send(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return count }
            let code = errno
            if code != EINTR { return -Int(code) }
        }
    }

    /// Writes everything unless the reader went away (SIGPIPE is ignored, so that is EPIPE).
    static func writeAll(_ descriptor: CInt, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let count = ckairos_write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if count == -Int(EINTR) { continue }
                if count <= 0 { return }
                offset += count
            }
        }
    }
}
