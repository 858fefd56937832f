import CKairos

/// The growable memory BIOs between a `TLSSession` and the reactor's socket buffers.
///
/// A memory BIO grows to the largest burst it has held and never shrinks on its own. A session
/// therefore swaps in an empty buffer each time a BIO drains, so an idle connection holds no
/// BIO storage at all: the same policy `SSL_MODE_RELEASE_BUFFERS` applies to OpenSSL's record
/// buffers. A BIO pair would instead hold two fixed buffers for the connection's whole life.
/// Heap per idle established session, measured with OpenSSL 3.0 (the `SSL` object itself is
/// 8.5 KiB of it): 14.5 KiB with these BIOs released when drained, 15.9 KiB without releasing,
/// 48.4 KiB with a pair of 17 KiB buffers (the size one full record needs).
enum TLSMemoryBIO {
    /// A new, empty memory BIO; nil with the reason on the error queue.
    static func make() -> OpaquePointer? {
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        // An empty BIO reports "retry", which `SSL_get_error` turns into WANT_READ rather than EOF.
        return bio
    }

    /// Bytes waiting in `bio`.
    static func pending(_ bio: OpaquePointer) -> Int {
        Int(ckairos_BIO_ctrl_pending(bio))
    }

    /// Bytes of storage `bio` holds, whether or not they carry data.
    static func capacity(_ bio: OpaquePointer) -> Int {
        var buffer: UnsafeMutablePointer<BUF_MEM>?
        _ = ckairos_BIO_get_mem_ptr(bio, &buffer)
        return buffer.map { Int($0.pointee.max) } ?? 0
    }

    /// Frees `bio`'s storage if it holds no data. Keeping the old buffer is harmless if OpenSSL
    /// cannot allocate the tiny replacement header, so that failure is ignored.
    static func releaseIfDrained(_ bio: OpaquePointer) {
        guard pending(bio) == 0, capacity(bio) > 0, let empty = BUF_MEM_new() else { return }
        _ = ckairos_BIO_set_mem_buf(bio, empty, BIO_CLOSE)
    }
}
