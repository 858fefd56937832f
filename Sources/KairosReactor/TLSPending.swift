// Temporary: replaced by the TLS branch's TLSContext/TLSSession at merge.
public final class TLSContext: @unchecked Sendable {}
public final class TLSSession {}
extension Reactor {
    func startTLS(_ connection: Connection) {}
}
