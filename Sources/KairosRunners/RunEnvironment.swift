import CKairos
import Glibc
import KairosProtocol

/// The environment of a process run: the server's own, plus `KAIROS_JOB_ID`, `KAIROS_RULE_ID`
/// and `KAIROS_EXECUTION_NS`, so one rule can act on whichever job fired it.
struct RunEnvironment {
    static let names: [Bytes] = ["KAIROS_JOB_ID", "KAIROS_RULE_ID", "KAIROS_EXECUTION_NS"].map { Array($0.utf8) }

    /// The server's environment, without any variable of the three names (ours win).
    private let inherited: [Bytes]

    init(inherited: [Bytes]) {
        self.inherited = inherited.filter { entry in
            !Self.names.contains { name in entry.count > name.count && entry[name.count] == UInt8(ascii: "=") && entry.starts(with: name) }
        }
    }

    /// The process environment, read once when the runner thread is made.
    static func current() -> RunEnvironment {
        var entries: [Bytes] = []
        if let environ = ckairos_environ() {
            var index = 0
            while let entry = environ[index] {
                entries.append(Array(UnsafeRawBufferPointer(start: entry, count: strlen(entry))))
                index += 1
            }
        }
        return RunEnvironment(inherited: entries)
    }

    /// `NAME=value` entries for one run. An id holding a NUL byte cannot be an environment
    /// value, so its variable is left out rather than cut short.
    func entries(jobID: Bytes, ruleID: Bytes, scheduledAt: Int64) -> [Bytes] {
        var result = inherited
        for (name, value) in zip(Self.names, [jobID, ruleID, Array(String(scheduledAt).utf8)]) where !value.contains(0) {
            result.append(name + [UInt8(ascii: "=")] + value)
        }
        return result
    }
}
