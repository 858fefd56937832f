import KairosProtocol

/// Keeps credentials that a webhook URL carries (`https://user:secret@host/…`) out of log lines
/// (D-network-runners: shown as `***`).
enum HTTPURLMask {
    /// The URL with its userinfo replaced by `***`: `https://***@host/path`. Bytes that are not
    /// UTF-8 show as U+FFFD.
    static func masked(_ url: Bytes) -> String {
        guard let range = userinfoRange(url) else { return String(decoding: url, as: UTF8.self) }
        var out = Bytes(url[..<range.lowerBound])
        out.append(contentsOf: "***".utf8)
        out.append(contentsOf: url[range.upperBound...])
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` (libcurl's error message, say) with every appearance of the URL's userinfo, its
    /// user and its password, as stored and percent-decoded, replaced by `***`. libcurl's
    /// messages name hosts, not credentials; this makes sure of it.
    static func scrub(_ text: String, url: Bytes) -> String {
        guard let range = userinfoRange(url) else { return text }
        let userinfo = Bytes(url[range])
        var secrets = [userinfo]
        if let colon = userinfo.firstIndex(of: UInt8(ascii: ":")) {
            secrets.append(Bytes(userinfo[..<colon]))
            secrets.append(Bytes(userinfo[(colon + 1)...]))
        }
        secrets += secrets.map(percentDecoded)
        var out = text
        // Longest first, so a password that contains the user name is masked whole.
        for secret in Set(secrets.filter { !$0.isEmpty }).sorted(by: { $0.count > $1.count }) {
            out = out.replacingAll(String(decoding: secret, as: UTF8.self), with: "***")
        }
        return out
    }

    /// The userinfo (without its `@`) of `scheme://userinfo@host…`, nil when there is none.
    /// The authority ends at the first `/`, `?` or `#`; the userinfo at its last `@`.
    static func userinfoRange(_ url: Bytes) -> Range<Int>? {
        guard let start = schemeEnd(url) else { return nil }
        var end = start
        while end < url.count, !"/?#".utf8.contains(url[end]) { end += 1 }
        guard let at = url[start..<end].lastIndex(of: UInt8(ascii: "@")) else { return nil }
        return start..<at
    }

    private static func schemeEnd(_ url: Bytes) -> Int? {
        let marker = Array("://".utf8)
        guard url.count >= marker.count else { return nil }
        for index in 0...(url.count - marker.count) where url[index..<(index + marker.count)].elementsEqual(marker) {
            return index + marker.count
        }
        return nil
    }

    private static func percentDecoded(_ bytes: Bytes) -> Bytes {
        var out: Bytes = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

private extension String {
    /// Every non-overlapping appearance of `target` replaced, without Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        out += rest
        return out
    }
}
