import KairosProtocol

/// A parsed `redis://` or `rediss://` URL (docs/protocol.md#runners as amended by D-network-runners):
/// `redis[s]://[user[:password]@]host[:port][/db]`.
///
/// Parsed at run time, as the reference does, so a bad URL fails the job rather than the RULE
/// SET. The reference's rules are kept: userinfo is everything before the first `@`, split at
/// its first `:`; an empty user or password counts as absent; a user without a password sends
/// no AUTH; no percent-decoding (a password may therefore hold `:` and `/` but not `@`).
/// Kairos additions: `rediss://` (TLS) and bracketed IPv6 hosts (`[::1]:6379`).
package struct RedisEndpoint: Hashable, Sendable {
    package var tls: Bool
    package var user: Bytes?
    package var password: Bytes?
    /// A DNS name or a literal address, without brackets.
    package var host: String
    package var port: UInt16
    package var db: Int

    package init(tls: Bool = false, user: Bytes? = nil, password: Bytes? = nil, host: String, port: UInt16 = 6379, db: Int = 0) {
        self.tls = tls
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.db = db
    }

    /// Why a URL was refused; the text never contains the URL's credentials.
    package struct ParseError: Error, Equatable, CustomStringConvertible {
        package let reason: String
        package var description: String { reason }
    }

    /// Parses `url`; throws a `ParseError` naming what is wrong.
    package static func parse(_ url: Bytes) throws(ParseError) -> RedisEndpoint {
        let tls: Bool
        var rest: ArraySlice<UInt8>
        if url.starts(with: "redis://".utf8) {
            tls = false
            rest = url.dropFirst(8)
        } else if url.starts(with: "rediss://".utf8) {
            tls = true
            rest = url.dropFirst(9)
        } else {
            throw ParseError(reason: "scheme must be redis:// or rediss://")
        }

        var user: Bytes?
        var password: Bytes?
        if let at = rest.firstIndex(of: UInt8(ascii: "@")) {
            let userinfo = rest[..<at]
            rest = rest[(at + 1)...]
            if let colon = userinfo.firstIndex(of: UInt8(ascii: ":")) {
                user = Array(userinfo[..<colon])
                password = Array(userinfo[(colon + 1)...])
            } else {
                user = Array(userinfo)
            }
            if user?.isEmpty == true { user = nil }
            if password?.isEmpty == true { password = nil }
        }

        var db = 0
        if let slash = rest.firstIndex(of: UInt8(ascii: "/")) {
            let path = rest[(slash + 1)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard path.count <= 3, path.allSatisfy(isDigit), let value = Int(String(decoding: path, as: UTF8.self)), value <= 255 else {
                    throw ParseError(reason: "database must be a number 0-255")
                }
                db = value
            }
        }

        let (host, port) = try hostAndPort(rest)
        return RedisEndpoint(tls: tls, user: user, password: password, host: host, port: port, db: db)
    }

    private static func hostAndPort(_ authority: ArraySlice<UInt8>) throws(ParseError) -> (String, UInt16) {
        var host: ArraySlice<UInt8>
        var portText: ArraySlice<UInt8>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else {
                throw ParseError(reason: "unclosed [ in host")
            }
            host = authority[(authority.startIndex + 1)..<close]
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else { throw ParseError(reason: "unexpected text after ]") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            host = authority[..<colon]
            portText = authority[(colon + 1)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw ParseError(reason: "host is empty") }
        // Printable ASCII only: anything else cannot be a host name or an address, and would
        // otherwise reach the resolver and the logs as is.
        guard host.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "@") }) else {
            throw ParseError(reason: "host has characters a host name cannot have")
        }
        var port: UInt16 = 6379
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(isDigit),
                  let value = UInt16(String(decoding: portText, as: UTF8.self)), value > 0
            else { throw ParseError(reason: "port must be a number 1-65535") }
            port = value
        }
        return (String(decoding: host, as: UTF8.self), port)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    // MARK: Logs

    /// The URL as logs show it: credentials replaced by `***` (D-network-runners), e.g.
    /// `rediss://***@cache.internal:6380/2`.
    package var redacted: String {
        let authority = host.contains(":") ? "[\(host)]" : host
        let userinfo = user != nil || password != nil ? "***@" : ""
        return "\(tls ? "rediss" : "redis")://\(userinfo)\(authority):\(port)/\(db)"
    }

    /// A URL that did not parse, as logs show it: everything before the last `@` replaced by
    /// `***`, so no part of a password is printed whatever else is wrong with the URL.
    package static func redacted(unparsed url: Bytes) -> String {
        guard let at = url.lastIndex(of: UInt8(ascii: "@")) else { return String(decoding: url, as: UTF8.self) }
        let scheme = url.starts(with: "rediss://".utf8) ? "rediss://" : url.starts(with: "redis://".utf8) ? "redis://" : ""
        return scheme + "***" + String(decoding: url[at...], as: UTF8.self)
    }
}
