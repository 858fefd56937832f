import Testing
import KairosConfig

@Suite struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:5678", ListenAddress(family: .ipv4, host: "127.0.0.1", port: 5678), "127.0.0.1:5678"),
        ("0.0.0.0:5678", ListenAddress(family: .ipv4, host: "0.0.0.0", port: 5678), "0.0.0.0:5678"),
        ("::1:5678", ListenAddress(family: .ipv6, host: "::1", port: 5678), "[::1]:5678"),
        ("[::1]:5678", ListenAddress(family: .ipv6, host: "::1", port: 5678), "[::1]:5678"),
        ("[::]:0", ListenAddress(family: .ipv6, host: "::", port: 0), "[::]:0"),
        ("fe80::1:2:80", ListenAddress(family: .ipv6, host: "fe80::1:2", port: 80), "[fe80::1:2]:80"),
        ("[::ffff:10.0.0.1]:65535", ListenAddress(family: .ipv6, host: "::ffff:10.0.0.1", port: 65535), "[::ffff:10.0.0.1]:65535"),
        ("10.1.2.3:0", ListenAddress(family: .ipv4, host: "10.1.2.3", port: 0), "10.1.2.3:0"),
    ])
    func accepted(text: String, address: ListenAddress, shown: String) {
        #expect(ListenAddress.parse(text) == address)
        #expect(address.description == shown)
    }

    @Test(arguments: [
        "localhost:5678",      // a host name, not a literal
        "1.2.3.4:70000",       // port out of range
        "1.2.3.4:65536",
        "1.2.3.4",             // no port
        "1.2.3.4:",            // empty port
        ":5678",               // empty host
        "1.2.3:5678",          // not a full dotted quad
        "1.2.3.256:5678",
        "1.2.3.4:+80",         // signs are not digits
        "1.2.3.4:-1",
        "1.2.3.4: 80",
        " 1.2.3.4:80",
        "1.2.3.4:080000",
        "[::1]5678",           // bracket not followed by ':'
        "[::1:5678",           // unclosed bracket
        "[1.2.3.4]:80",        // brackets are for IPv6
        "[]:80",
        "::1",                 // splits as host ":" and port "1": ":" is not an address
        "fe80::1%eth0:80",     // zone ids are not literal addresses inet_pton accepts
        "1.2.3.4:80\0",
        "",
    ])
    func refused(text: String) {
        #expect(ListenAddress.parse(text) == nil)
    }
}
