import CKairosCurl
import Glibc
import KairosProtocol
import KairosSystem
import Logging

/// The http runner (docs/protocol.md#runners, D-network-runners): every webhook is a transfer on one libcurl multi handle
/// driven by the runner thread's epoll set (`CURLMOPT_SOCKETFUNCTION` registers libcurl's
/// sockets through the `PollRegistrar`, `CURLMOPT_TIMERFUNCTION` becomes `nextWakeup`, and
/// readiness goes back through `curl_multi_socket_action`), so no run blocks another and no
/// thread is made per request. The multi handle's connection cache gives keep-alive across runs
/// to the same host; libcurl itself retries a request once on a fresh connection when a reused
/// one turns out dead.
final class HTTPClient: NetworkClient {
    /// A run in flight.
    private struct Transfer {
        let call: UInt64
        let easy: CurlEasy
        /// `METHOD masked-url`, for the detail.
        let target: String
        let url: Bytes
    }

    private let context: NetworkClientContext
    private let multi: UnsafeMutableRawPointer
    private let shared: CurlEasy.Shared
    private var transfers: [UInt: Transfer] = [:]
    private var handleOfCall: [UInt64: UInt] = [:]
    /// Easy handles waiting for the next run, each still set up for the method and URL of its
    /// last run; at most `[runner] concurrency` of them. A run takes one of its own rule's first,
    /// which needs no reset and no options but its body (a burst of one rule's webhooks sets up
    /// each handle once), else any other, which `CurlEasy.prepare` resets. A short array
    /// searched from the end: comparing URLs that share storage costs nothing, where hashing
    /// them in a dictionary cost a pass over every byte per run.
    private var idle: [CurlEasy] = []
    private let idleLimit: Int
    /// Easy handles made so far (tests: the pool keeps them).
    private(set) var handlesMade = 0
    /// libcurl's sockets: opened and closed here, and which are in the epoll set.
    let sockets: HTTPSocketTable
    /// When libcurl next wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)`.
    private var timerAt: Int64?
    private var closed = false

    /// Process-wide libcurl setup, done once before the first handle (a static is initialized
    /// exactly once even when tests make clients on several threads).
    private static let globalSetup: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    /// `limits` nil = the D-network-runners defaults when `[runner] timeout_ms` is 0, none otherwise (the
    /// runner loop then cancels a run that takes too long). Tests pass short limits.
    init(context: NetworkClientContext, userAgent: String = HTTPRequest.userAgent(), limits: CurlEasy.Limits? = nil) throws {
        guard Self.globalSetup == CURLE_OK else {
            throw SetupError(description: "curl_global_init: \(String(cString: curl_easy_strerror(Self.globalSetup)))")
        }
        guard let multi = curl_multi_init() else { throw SetupError(description: "curl_multi_init failed") }
        self.context = context
        self.multi = multi
        idleLimit = max(1, context.config.concurrency)
        let logger = context.logger
        sockets = HTTPSocketTable(registrar: context.registrar, logger: { logger.error("\($0)") })
        shared = CurlEasy.Shared(
            userAgent: userAgent, caFile: context.config.httpCAFile,
            limits: limits ?? (context.config.timeoutMs == 0 ? .k20 : nil),
            sockets: Unmanaged.passUnretained(sockets).toOpaque())
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = ckairos_curl_multi_setopt_socket_function(multi, curlSocketChanged)
        _ = ckairos_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, me)
        _ = ckairos_curl_multi_setopt_timer_function(multi, curlTimerChanged)
        _ = ckairos_curl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, me)
        // Room for an idle connection per concurrent run, to several hosts, so a steady
        // stream of webhooks reuses its connections instead of closing and reopening them.
        _ = ckairos_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(16, 2 * idleLimit))
    }

    deinit {
        // Whoever owns the epoll set may be gone already: leave the set alone. Closing the
        // sockets takes them out of it all the same (they close on exec: no child holds a copy).
        if !closed { sockets.detach() }
        close()
    }

    // MARK: NetworkClient

    func start(_ call: NetworkCall) {
        guard !closed else { return context.complete(call.id, .failed("the http runner is closed")) }
        guard case .http(let method, let url) = call.runner else {
            return context.complete(call.id, .failed("not an http rule"))
        }
        let request: HTTPRequest
        switch HTTPRequest.make(method: method, url: url, jobID: call.jobID, execution: call.scheduledAt, traceParent: call.traceParent) {
        case .success(let made): request = made
        case .failure(let refusal):
            let target = HTTPOutcome.target(method: String(decoding: method, as: UTF8.self), url: url)
            return context.complete(call.id, HTTPOutcome.transport(refusal.description, target: target))
        }
        guard let easy = takeIdle(for: request.profile) ?? makeHandle() else {
            let target = HTTPOutcome.target(method: request.method.rawValue, url: url)
            return context.complete(call.id, HTTPOutcome.transport("cannot allocate a curl handle", target: target))
        }
        let prepared = easy.prepare(request, shared: shared)
        guard prepared == CURLE_OK else {
            let reason = HTTPURLMask.scrub(easy.errorText(prepared), url: url)
            let target = HTTPOutcome.target(method: request.method.rawValue, url: url)
            recycle(easy)
            return context.complete(call.id, HTTPOutcome.transport(reason, target: target))
        }
        let target = easy.target
        let added = curl_multi_add_handle(multi, easy.handle)
        guard added == CURLM_OK else {
            recycle(easy)
            return context.complete(call.id, HTTPOutcome.transport(String(cString: curl_multi_strerror(added)), target: target))
        }
        transfers[easy.key] = Transfer(call: call.id, easy: easy, target: target, url: url)
        handleOfCall[call.id] = easy.key
        // libcurl asked for a zero timer from inside add_handle: the loop's next turn (no
        // sleep) starts the connect.
    }

    func cancel(_ id: UInt64) {
        guard let key = handleOfCall.removeValue(forKey: id), let transfer = transfers.removeValue(forKey: key) else { return }
        // Removing a transfer mid-way closes its connection; the socket callback unwatches it.
        _ = curl_multi_remove_handle(multi, transfer.easy.handle)
        recycle(transfer.easy)
    }

    func handle(key: UInt32, events: UInt32) {
        guard !closed else { return }
        let socket = curl_socket_t(bitPattern: key)
        // A stale event (libcurl dropped the socket this turn), or an idle connection's.
        guard sockets.isActive(socket) else { return }
        var mask: CInt = 0
        // A hang-up or socket error is reported as readable: libcurl's read then finds out which.
        if events & (Epoll.readable | Epoll.hangup) != 0 { mask |= CURL_CSELECT_IN }
        if events & Epoll.writable != 0 { mask |= CURL_CSELECT_OUT }
        var running: CInt = 0
        _ = curl_multi_socket_action(multi, socket, mask, &running)
        collectFinished()
    }

    var nextWakeup: Int64? { timerAt }

    func tick(now: Int64) {
        guard !closed, let at = timerAt, at <= now else { return }
        // Cleared first: the action below may set a new timer through the callback.
        timerAt = nil
        var running: CInt = 0
        _ = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
        collectFinished()
    }

    func close() {
        guard !closed else { return }
        closed = true
        // libcurl calls back while it tears down; from here on those calls find no client
        // (close may run from deinit, when this object must not be referenced again).
        _ = ckairos_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, nil)
        _ = ckairos_curl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, nil)
        for transfer in transfers.values { _ = curl_multi_remove_handle(multi, transfer.easy.handle) }
        transfers.removeAll()
        handleOfCall.removeAll()
        idle.removeAll()
        // Out of the epoll set while the sockets are still open: once libcurl closes them their
        // numbers may be reused by descriptors the runner loop watches. The cleanup closes every
        // cached connection through the table, which lives as long as this object.
        sockets.unregisterAll()
        curl_multi_cleanup(multi)
        timerAt = nil
    }

    // MARK: transfers ending

    private func collectFinished() {
        var queued: CInt = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            // Read before removing the handle, which invalidates the message.
            let code = message.pointee.data.result
            finish(UInt(bitPattern: handle), code: code)
        }
    }

    private func finish(_ key: UInt, code: CURLcode) {
        guard let transfer = transfers.removeValue(forKey: key) else { return }
        handleOfCall.removeValue(forKey: transfer.call)
        let result: NetworkResult
        if code == CURLE_OK {
            result = HTTPOutcome.response(status: transfer.easy.responseCode, target: transfer.target)
        } else {
            let reason = HTTPURLMask.scrub(transfer.easy.errorText(code), url: transfer.url)
            result = HTTPOutcome.transport(reason, target: transfer.target)
        }
        _ = curl_multi_remove_handle(multi, transfer.easy.handle)
        recycle(transfer.easy)
        context.complete(transfer.call, result)
    }

    /// Keeps `easy`, still set up for its last method and URL, for a later run; beyond the limit
    /// it is freed.
    private func recycle(_ easy: CurlEasy) {
        // A handle left half set up (a refused option) is freed rather than kept.
        guard !closed, idle.count < idleLimit, easy.profile != nil else { return }
        idle.append(easy)
    }

    private func makeHandle() -> CurlEasy? {
        handlesMade += 1
        return CurlEasy()
    }

    /// The idle handles and the number of full setups each has had, for tests.
    var idleSetups: [Int] { idle.map(\.setups) }

    /// An idle handle set up for `profile`, else the one idle longest (reset by its next
    /// prepare), else nil.
    private func takeIdle(for profile: HTTPRequest.Profile) -> CurlEasy? {
        if let index = idle.lastIndex(where: { $0.profile == profile }) { return idle.remove(at: index) }
        return idle.isEmpty ? nil : idle.removeFirst()
    }

    // MARK: libcurl's callbacks

    /// libcurl wants `socket` watched for `what` (CURL_POLL_IN/OUT/INOUT) or forgotten
    /// (CURL_POLL_REMOVE).
    fileprivate func socketChanged(_ socket: curl_socket_t, what: CInt) {
        guard !closed else { return }
        sockets.changed(socket, what: what)
    }

    /// libcurl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)` in `ms` (-1: never).
    fileprivate func timerChanged(_ ms: Int) {
        timerAt = ms < 0 ? nil : Clock.monotonicNanoseconds() + Int64(ms) * 1_000_000
    }
}

private func curlSocketChanged(
    _ easy: UnsafeMutableRawPointer?, _ socket: curl_socket_t, _ what: CInt,
    _ client: UnsafeMutableRawPointer?, _ socketData: UnsafeMutableRawPointer?
) -> CInt {
    guard let client else { return 0 }
    Unmanaged<HTTPClient>.fromOpaque(client).takeUnretainedValue().socketChanged(socket, what: what)
    return 0
}

private func curlTimerChanged(_ multi: UnsafeMutableRawPointer?, _ ms: Int, _ client: UnsafeMutableRawPointer?) -> CInt {
    guard let client else { return 0 }
    Unmanaged<HTTPClient>.fromOpaque(client).takeUnretainedValue().timerChanged(ms)
    return 0
}
