/// How an http run ends (D-network-runners): a 2xx status is `executed`; 1xx left over, 3xx (redirects are
/// not followed), 4xx, 5xx and every transport failure are `failed`. The detail names the
/// request first, its URL masked, then what happened: `POST http://***@host/hook: HTTP 503`.
enum HTTPOutcome {
    /// A response arrived with `status`. `target` is `METHOD masked-url`.
    static func response(status: Int, target: String) -> NetworkResult {
        let detail = "\(target): HTTP \(status)"
        return (200...299).contains(status) ? .succeeded(detail) : .failed(detail)
    }

    /// No response: connection refused, TLS verification, timeout, a peer that closed
    /// mid-response. `reason` is libcurl's message, already scrubbed of credentials.
    static func transport(_ reason: String, target: String) -> NetworkResult {
        .failed("\(target): \(reason)")
    }

    /// `POST https://***@host/hook`.
    static func target(method: String, url: [UInt8]) -> String {
        "\(method) \(HTTPURLMask.masked(url))"
    }
}
