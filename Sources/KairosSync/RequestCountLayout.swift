/// Where each (protocol, command, outcome) of `kairos_requests_total` sits in
/// `ServerStats.requests`: the core counts into it, the `/metrics` exporter names it. Kept here
/// because both sides depend on this module and neither on the other.
public enum RequestCountLayout {
    /// The command label values. A recurring SET counts as `set`; `getrule` and `queryrules`
    /// exist only over HTTP; `malformed` is a recognized instruction with bad operands.
    public static let commands = [
        "set", "get", "info", "query", "remove", "removerule", "ruleset", "listrules", "stat", "getrule", "queryrules",
        "malformed",
    ]
    /// The protocol label values: the line protocol, and the HTTP API's requests the core answers.
    public static let protocols = ["line", "http"]
    /// The outcome label values: `error` is an `ERROR` answer (refused, not found, or a mutation
    /// the journal lost) or its HTTP equivalent (4xx/503 from the core).
    public static let outcomes = ["ok", "error"]

    public static var slotCount: Int { protocols.count * commands.count * outcomes.count }

    /// The slot of an `ok` outcome; the `error` slot is the next one.
    @inline(__always)
    public static func slot(protocol protocolIndex: Int, command: Int) -> Int {
        (protocolIndex * commands.count + command) * 2
    }
}
