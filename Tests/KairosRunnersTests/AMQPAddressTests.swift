import KairosProtocol
import Testing
@testable import KairosRunners

/// D-network-runners's AMQP URI: every form, exact decoded values, refusals with a clear reason, masking.
@Suite struct AMQPAddressTests {
    private func parse(_ dsn: String) throws -> AMQPAddress { try AMQPAddress.parse(Array(dsn.utf8)) }

    private func refusal(_ dsn: String) -> String? {
        do {
            _ = try AMQPAddress.parse(Array(dsn.utf8))
            return nil
        } catch {
            return error.description
        }
    }

    @Test func fullForm() throws {
        #expect(try parse("amqp://bob:secret@broker.example:5673/prod")
            == AMQPAddress(tls: false, user: "bob", password: "secret", host: "broker.example", port: 5673, vhost: "prod"))
    }

    @Test func noUserinfoMeansGuest() throws {
        #expect(try parse("amqp://127.0.0.1")
            == AMQPAddress(tls: false, user: "guest", password: "guest", host: "127.0.0.1", port: 5672, vhost: "/"))
    }

    @Test func userWithoutPasswordKeepsTheDefaultPassword() throws {
        #expect(try parse("amqp://bob@h") == AMQPAddress(tls: false, user: "bob", password: "guest", host: "h", port: 5672, vhost: "/"))
    }

    @Test func emptyUserAndPasswordArePresentButEmpty() throws {
        #expect(try parse("amqp://:@h") == AMQPAddress(tls: false, user: "", password: "", host: "h", port: 5672, vhost: "/"))
    }

    @Test func vhostForms() throws {
        #expect(try parse("amqp://h").vhost == "/")
        #expect(try parse("amqp://h/").vhost == "/")
        #expect(try parse("amqp://h/prod").vhost == "prod")
        #expect(try parse("amqp://h/%2f").vhost == "/")
        #expect(try parse("amqp://h/%2Fprod").vhost == "/prod")
        #expect(try parse("amqp://h:5672/a%20b").vhost == "a b")
    }

    @Test func percentDecodingOfEveryPart() throws {
        #expect(try parse("amqp://us%40er:p%3Ass%2Fw%25rd@ho%73t:1/v%68")
            == AMQPAddress(tls: false, user: "us@er", password: "p:ss/w%rd", host: "host", port: 1, vhost: "vh"))
    }

    @Test func passwordMaySplitAtTheFirstColonAndContainMore() throws {
        #expect(try parse("amqp://u:a:b@h").password == "a:b")
    }

    @Test func lastAtEndsTheUserinfo() throws {
        let address = try parse("amqp://u:p@ss@h")
        #expect(address.password == "p@ss")
        #expect(address.host == "h")
    }

    @Test func tlsSchemeAndItsDefaultPort() throws {
        #expect(try parse("amqps://h") == AMQPAddress(tls: true, user: "guest", password: "guest", host: "h", port: 5671, vhost: "/"))
        #expect(try parse("AMQPS://h:443").port == 443)
    }

    @Test func ipv6LiteralAndEmptyPort() throws {
        #expect(try parse("amqp://[::1]:5673/x") == AMQPAddress(tls: false, user: "guest", password: "guest", host: "::1", port: 5673, vhost: "x"))
        #expect(try parse("amqp://[::1]").port == 5672)
        #expect(try parse("amqp://h:").port == 5672)
    }

    @Test func badDSNsSayWhy() {
        #expect(refusal("http://h") == "bad amqp DSN: must start with amqp:// or amqps://")
        #expect(refusal("amqp:/h") == "bad amqp DSN: must start with amqp:// or amqps://")
        #expect(refusal("amqp://") == "bad amqp DSN: empty host")
        #expect(refusal("amqp://u:p@/v") == "bad amqp DSN: empty host")
        #expect(refusal("amqp://h:99999") == "bad amqp DSN: invalid port \"99999\"")
        #expect(refusal("amqp://h:0") == "bad amqp DSN: invalid port \"0\"")
        #expect(refusal("amqp://h:+1") == "bad amqp DSN: invalid port \"+1\"")
        #expect(refusal("amqp://h:x y") == "bad amqp DSN: invalid port \"x y\"")
        #expect(refusal("amqp://h/a/b") == "bad amqp DSN: vhost has more than one path segment (write a / inside a vhost as %2f)")
        #expect(refusal("amqp://h//") == "bad amqp DSN: vhost has more than one path segment (write a / inside a vhost as %2f)")
        #expect(refusal("amqp://h/%zz") == "bad amqp DSN: bad percent-encoding in vhost")
        #expect(refusal("amqp://u:%2@h") == "bad amqp DSN: bad percent-encoding in password")
        #expect(refusal("amqp://u%00:p@h") == "bad amqp DSN: user contains a NUL byte")
        #expect(refusal("amqp://u:%ff@h") == "bad amqp DSN: password is not UTF-8")
        #expect(refusal("amqp://h?heartbeat=5") == "bad amqp DSN: query parameters are not supported")
        #expect(refusal("amqp://h#x") == "bad amqp DSN: a fragment is not allowed")
        #expect(refusal("amqp://[::1") == "bad amqp DSN: unterminated [ in host")
        #expect(refusal("amqp://[::1]x") == "bad amqp DSN: unexpected text after ]")
        #expect(refusal("amqp://h/" + String(repeating: "v", count: 256)) == "bad amqp DSN: vhost is longer than 255 bytes")
    }

    @Test func refusalsNeverRepeatTheCredentials() {
        for dsn in ["amqp://secretuser:secretpass@h:bad", "amqp://secretuser:secretpass@/v", "amqp://secretuser:secretpass@h/a/b"] {
            let text = refusal(dsn) ?? ""
            #expect(!text.isEmpty)
            #expect(!text.contains("secret"))
        }
    }

    @Test func maskedForms() throws {
        #expect(try parse("amqp://bob:secret@h:5673/prod").masked == "amqp://***@h:5673/prod")
        #expect(try parse("amqps://[::1]").masked == "amqps://***@[::1]:5671/")
        #expect(AMQPAddress.mask(Array("amqp://bob:secret@h/v".utf8)) == "amqp://***@h/v")
        #expect(AMQPAddress.mask(Array("amqp://a@b:c@h".utf8)) == "amqp://***@h")
        #expect(AMQPAddress.mask(Array("amqp://h/v@x".utf8)) == "amqp://h/v@x")
        #expect(AMQPAddress.mask(Array("garbage:secret@h".utf8)) == "***")
    }
}
