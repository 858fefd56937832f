import CKairosCurl

/// One libcurl easy handle, its error buffer and its header list. Handles are pooled by the
/// client and reused from run to run: a handle keeps the options of the method and URL it was
/// last set up for (`profile`), so the next run of the same rule only replaces the body and,
/// if they changed, the header lines; a handle taken for another method or URL is reset first.
/// The connections themselves live in the multi handle's cache, not here.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    /// libcurl writes its detailed message here when a transfer fails; it must outlive the
    /// transfer, so it lives as long as the handle.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The method and URL every option but the body and headers is set for; nil after a reset or
    /// a refused option (the next prepare then starts from a reset).
    private(set) var profile: HTTPRequest.Profile?
    /// `METHOD masked-url` of `profile`, for the outcome's detail (worked out once per setup).
    private(set) var target = ""
    /// The header lines last given to libcurl, and the list it reads them from during a
    /// transfer (owned here: freed only once libcurl no longer points at it).
    private var headerLines: [String] = []
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// No option set since `curl_easy_init` or the last reset.
    private var pristine = true
    /// How many times every option was set (tests: a run of the same rule sets only its body).
    private(set) var setups = 0

    /// What the runner bounds itself when `[runner] timeout_ms` is 0 (D-network-runners): 10 s to connect,
    /// 30 s for the whole exchange. nil when the runner loop bounds each run instead.
    struct Limits: Sendable, Equatable {
        var connectMs: Int
        var totalMs: Int

        static let k20 = Limits(connectMs: 10_000, totalMs: 30_000)
    }

    /// Settings every request shares.
    struct Shared {
        let userAgent: String
        /// `[runner] http_ca_file`; nil = libcurl's default (the system trust store).
        let caFile: String?
        let limits: Limits?
        /// The client's `HTTPSocketTable`, unretained: libcurl's sockets are opened and closed
        /// through it.
        let sockets: UnsafeMutableRawPointer?
    }

    /// nil when libcurl cannot allocate a handle.
    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer[0] = 0
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// The handle's address, which libcurl hands back when a transfer ends.
    var key: UInt { UInt(bitPattern: handle) }

    /// Forgets every option (connections and caches stay with the multi).
    func reset() {
        curl_easy_reset(handle)
        profile = nil
        target = ""
        // libcurl no longer points at the list.
        curl_slist_free_all(headerList)
        headerList = nil
        headerLines = []
        errorBuffer[0] = 0
        pristine = true
    }

    /// Sets every option of `request`: all of them when the handle was set up for another
    /// method or URL (or none), only the body and the header lines otherwise. The first option
    /// libcurl refuses ends it with that code.
    func prepare(_ request: HTTPRequest, shared: Shared) -> CURLcode {
        errorBuffer[0] = 0
        if profile != request.profile {
            if !pristine { reset() }
            pristine = false
            setups += 1
            let code = configure(request, shared: shared)
            guard code == CURLE_OK else { return failed(code) }
            profile = request.profile
            target = HTTPOutcome.target(method: request.method.rawValue, url: request.url)
        }
        if request.headers != headerLines {
            let code = setHeaders(request.headers)
            guard code == CURLE_OK else { return failed(code) }
        }
        if request.method.hasBody {
            let body = request.body ?? []
            // The size first: COPYPOSTFIELDS copies that many bytes.
            var code = set(CURLOPT_POSTFIELDSIZE, body.count)
            if code == CURLE_OK { code = set(CURLOPT_COPYPOSTFIELDS, bytes: body) }
            guard code == CURLE_OK else { return failed(code) }
        }
        return CURLE_OK
    }

    /// A refused option leaves the handle half set up: the next prepare starts from a reset.
    private func failed(_ code: CURLcode) -> CURLcode {
        profile = nil
        return code
    }

    /// Everything that depends only on the method and URL (and the client's shared settings).
    private func configure(_ request: HTTPRequest, shared: Shared) -> CURLcode {
        let steps: [() -> CURLcode] = [
            // Signals are the server's (signalfd); libcurl must not install handlers or alarms.
            { self.set(CURLOPT_NOSIGNAL, 1) },
            { self.set(CURLOPT_URL, bytes: request.url) },
            { self.set(CURLOPT_PROTOCOLS_STR, "http,https") },
            // Straight to the host: an `http_proxy` in the server's environment must not
            // reroute (or break) the webhooks.
            { self.set(CURLOPT_PROXY, "") },
            { self.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1) },
            { self.set(CURLOPT_FOLLOWLOCATION, 0) },
            { self.set(CURLOPT_USERAGENT, shared.userAgent) },
            { self.set(CURLOPT_SSL_VERIFYPEER, 1) },
            { self.set(CURLOPT_SSL_VERIFYHOST, 2) },
            { shared.caFile.map { self.set(CURLOPT_CAINFO, $0) } ?? CURLE_OK },
            { ckairos_curl_easy_setopt_pointer(self.handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(self.errorBuffer)) },
            // The response body is read and discarded (docs/protocol.md#runners); libcurl's default would
            // write it to the server's stdout.
            { ckairos_curl_easy_setopt_write_function(self.handle, discardBody) },
            // Sockets close on exec and stay in the epoll set while idle (HTTPSocketTable).
            { ckairos_curl_easy_setopt_opensocket_function(self.handle, curlOpenSocket) },
            { ckairos_curl_easy_setopt_pointer(self.handle, CURLOPT_OPENSOCKETDATA, shared.sockets) },
            { ckairos_curl_easy_setopt_closesocket_function(self.handle, curlCloseSocket) },
            { ckairos_curl_easy_setopt_pointer(self.handle, CURLOPT_CLOSESOCKETDATA, shared.sockets) },
            { shared.limits.map { self.set(CURLOPT_CONNECTTIMEOUT_MS, $0.connectMs) } ?? CURLE_OK },
            { shared.limits.map { self.set(CURLOPT_TIMEOUT_MS, $0.totalMs) } ?? CURLE_OK },
        ] + methodSteps(request.method)
        for step in steps {
            let code = step()
            if code != CURLE_OK { return code }
        }
        return CURLE_OK
    }

    private func methodSteps(_ method: HTTPRequest.Method) -> [() -> CURLcode] {
        switch method {
        case .get: [{ self.set(CURLOPT_HTTPGET, 1) }]
        case .delete: [{ self.set(CURLOPT_CUSTOMREQUEST, "DELETE") }]
        case .post: [{ self.set(CURLOPT_POST, 1) }]
        case .put: [{ self.set(CURLOPT_POST, 1) }, { self.set(CURLOPT_CUSTOMREQUEST, "PUT") }]
        }
    }

    /// Gives libcurl a new list of `lines` (none: no list), then frees the old one.
    private func setHeaders(_ lines: [String]) -> CURLcode {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let grown = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                return CURLE_OUT_OF_MEMORY
            }
            list = grown
        }
        let code = ckairos_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
        guard code == CURLE_OK else {
            curl_slist_free_all(list)
            return code
        }
        curl_slist_free_all(headerList)
        headerList = list
        headerLines = lines
        return CURLE_OK
    }

    /// The status line's code of the response received, 0 if none.
    var responseCode: Int {
        var code = 0
        _ = ckairos_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// libcurl's detailed message for a failed transfer, or its generic text for `code`.
    func errorText(_ code: CURLcode) -> String {
        if errorBuffer[0] != 0 { return String(cString: errorBuffer) }
        return String(cString: curl_easy_strerror(code))
    }

    // MARK: options

    private func set(_ option: CURLoption, _ value: Int) -> CURLcode {
        ckairos_curl_easy_setopt_long(handle, option, value)
    }

    private func set(_ option: CURLoption, _ value: String) -> CURLcode {
        ckairos_curl_easy_setopt_string(handle, option, value)
    }

    /// A byte string that need not be UTF-8 (URLs, bodies), NUL-terminated for libcurl, which
    /// copies it.
    private func set(_ option: CURLoption, bytes: [UInt8]) -> CURLcode {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { ckairos_curl_easy_setopt_string(handle, option, $0.baseAddress) }
        }
    }
}

/// libcurl's write callback: takes every body byte and keeps none.
private func discardBody(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?
) -> Int {
    size * count
}
