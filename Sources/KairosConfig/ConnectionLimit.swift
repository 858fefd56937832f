/// `[controller] max_connections` against the process's descriptor limit (D-limits).
///
/// Every connection holds a descriptor; the rest of the server needs some too (the logfile,
/// compaction's temporary file and directory, each running job's pidfd and /dev/null streams,
/// the HTTP API). Connections may therefore use the limit minus a fixed reserve, and a
/// configured value that would eat into the reserve is refused at start rather than clamped:
/// the operator learns the real ceiling instead of finding out under load.
public enum ConnectionLimit {
    /// Descriptors never given to connections.
    public static let reserve = 64

    /// The connection cap to serve with. `configured` is the key's value (nil when absent);
    /// `descriptorLimit` is RLIMIT_NOFILE's soft limit (nil when unlimited). The caller reads the
    /// limit: this module reads nothing that is not handed to it.
    public static func resolve(configured: Int?, descriptorLimit: Int?) throws(ConfigError) -> Int {
        let key = "controller.max_connections"
        guard let descriptorLimit else { return configured ?? Int(Int32.max) }
        let ceiling = descriptorLimit - reserve
        guard let configured else {
            guard ceiling >= 1 else {
                throw ConfigError(
                    kind: .invalidValue, key: key,
                    message: "\(key): the descriptor limit (\(descriptorLimit), ulimit -n) leaves no descriptors for connections "
                        + "beside the reserve of \(reserve); raise the limit")
            }
            return ceiling
        }
        guard configured <= ceiling else {
            throw ConfigError(
                kind: .invalidValue, key: key, value: "\(configured)",
                message: "\(key): must be at most \(max(ceiling, 0)), not \(configured): the descriptor limit is \(descriptorLimit) "
                    + "(ulimit -n) and \(reserve) descriptors are kept in reserve; lower the value or raise the limit")
        }
        return configured
    }
}
