import CKairosCurl

/// Posts OTLP protobuf bodies with one reused libcurl easy handle, blocking the telemetry
/// thread for at most the reference's 2 s per export and never retrying (docs/compatibility.md#d-telemetry). Nothing
/// else waits on this thread, so a blocking transfer is the simplest correct choice.
final class OTLPHTTPExporter {
    enum Result: Equatable {
        case delivered(status: Int)
        /// An HTTP answer outside 2xx, or no answer at all (the text says why).
        case failed(String)
    }

    private let endpoint: String
    private let caFile: String?
    private let timeoutMs: Int
    private var handle: UnsafeMutableRawPointer?
    private var headers: UnsafeMutablePointer<curl_slist>?
    private static let globalSetup: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// `endpoint` is the normalized `telemetry.endpoint` (scheme included, no trailing `/`).
    init(endpoint: String, caFile: String?, timeoutMs: Int = 2000) {
        _ = Self.globalSetup
        self.endpoint = endpoint
        self.caFile = caFile
        self.timeoutMs = timeoutMs
        headers = curl_slist_append(nil, "Content-Type: application/x-protobuf")
        // No `Expect: 100-continue` for larger bodies: it costs a round trip per export (and a
        // 1 s wait when the collector does not answer 100), and a collector reads every body.
        headers = curl_slist_append(headers, "Expect:")
        handle = curl_easy_init()
    }

    deinit {
        if let handle { curl_easy_cleanup(handle) }
        curl_slist_free_all(headers)
    }

    /// `path` is `/v1/metrics`, `/v1/traces` or `/v1/logs`.
    func post(path: String, body: [UInt8]) -> Result {
        guard let handle else { return .failed("curl_easy_init failed") }
        curl_easy_reset(handle)
        // POSTFIELDS points libcurl at the array instead of copying it (COPYPOSTFIELDS): the
        // transfer ends inside this closure, while the bytes are alive. An empty body still
        // needs a valid pointer.
        return (body.isEmpty ? [0] : body).withUnsafeBytes { raw in
            let steps: [() -> CURLcode] = [
                { ckairos_curl_easy_setopt_string(handle, CURLOPT_URL, self.endpoint + path) },
                { ckairos_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1) },
                { ckairos_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, self.timeoutMs) },
                { ckairos_curl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, self.timeoutMs) },
                { ckairos_curl_easy_setopt_long(handle, CURLOPT_POST, 1) },
                { ckairos_curl_easy_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count) },
                { ckairos_curl_easy_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress!)) },
                { ckairos_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, self.headers) },
                { ckairos_curl_easy_setopt_write_function(handle, discardResponse) },
                { self.caFile.map { ckairos_curl_easy_setopt_string(handle, CURLOPT_CAINFO, $0) } ?? CURLE_OK },
            ]
            for step in steps {
                let code = step()
                if code != CURLE_OK { return .failed(String(cString: curl_easy_strerror(code))) }
            }
            let code = curl_easy_perform(handle)
            guard code == CURLE_OK else { return .failed(String(cString: curl_easy_strerror(code))) }
            var status = 0
            _ = ckairos_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return (200..<300).contains(status) ? .delivered(status: status) : .failed("HTTP \(status)")
        }
    }
}

/// libcurl's write callback: the collector's answer body is not needed.
private func discardResponse(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?
) -> Int {
    size * count
}
