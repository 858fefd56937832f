import CKairosCurl

/// One libcurl easy handle and its error buffer. Handles are reused from run to run (reset in
/// between), so a steady stream of webhooks allocates no handles; the connections themselves
/// live in the multi handle's cache, not here.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    /// libcurl writes its detailed message here when a transfer fails; it must outlive the
    /// transfer, so it lives as long as the handle.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The current request's own header list, made only when it carries a `traceparent` (the
    /// shared body list serves every other request). libcurl reads it until the transfer ends,
    /// so it is freed at the next reset.
    private var requestHeaders: UnsafeMutablePointer<curl_slist>?

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
        /// `HTTPRequest.bodyHeaders` as a curl_slist, owned by the client.
        let bodyHeaders: UnsafeMutablePointer<curl_slist>?
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
        curl_slist_free_all(requestHeaders)
        errorBuffer.deallocate()
    }

    /// The handle's address, which libcurl hands back when a transfer ends.
    var key: UInt { UInt(bitPattern: handle) }

    /// Forgets the previous request's options (connections and caches stay with the multi).
    func reset() {
        curl_easy_reset(handle)
        curl_slist_free_all(requestHeaders)
        requestHeaders = nil
        errorBuffer[0] = 0
    }

    /// Sets every option of `request`; the first option libcurl refuses ends it with that code.
    func prepare(_ request: HTTPRequest, shared: Shared) -> CURLcode {
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
            { shared.limits.map { self.set(CURLOPT_CONNECTTIMEOUT_MS, $0.connectMs) } ?? CURLE_OK },
            { shared.limits.map { self.set(CURLOPT_TIMEOUT_MS, $0.totalMs) } ?? CURLE_OK },
            { self.setHeaders(request, shared: shared) },
        ] + methodSteps(request)
        for step in steps {
            let code = step()
            if code != CURLE_OK { return code }
        }
        return CURLE_OK
    }

    /// `HTTPRequest.headerLines`: the shared list when that is all, else a list of its own.
    private func setHeaders(_ request: HTTPRequest, shared: Shared) -> CURLcode {
        guard request.traceParent != nil else {
            return request.method.hasBody ? ckairos_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, shared.bodyHeaders) : CURLE_OK
        }
        for line in request.headerLines {
            guard let grown = curl_slist_append(requestHeaders, line) else { return CURLE_OUT_OF_MEMORY }
            requestHeaders = grown
        }
        return ckairos_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, requestHeaders)
    }

    private func methodSteps(_ request: HTTPRequest) -> [() -> CURLcode] {
        switch request.method {
        case .get:
            return [{ self.set(CURLOPT_HTTPGET, 1) }]
        case .delete:
            return [{ self.set(CURLOPT_CUSTOMREQUEST, "DELETE") }]
        case .post, .put:
            let body = request.body ?? []
            var steps: [() -> CURLcode] = [
                { self.set(CURLOPT_POST, 1) },
                // The size first: COPYPOSTFIELDS copies that many bytes.
                { self.set(CURLOPT_POSTFIELDSIZE, body.count) },
                { self.set(CURLOPT_COPYPOSTFIELDS, bytes: body) },
            ]
            if request.method == .put { steps.append { self.set(CURLOPT_CUSTOMREQUEST, "PUT") } }
            return steps
        }
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
