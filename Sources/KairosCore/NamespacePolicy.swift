import KairosProtocol

/// Every namespace decision of docs/protocol.md#namespaces/docs/protocol.md#namespaces with D-namespaces, in one place.
///
/// `.malformed` is answered `ERROR` before this is consulted (docs/protocol.md#namespaces: classification first).
enum NamespacePolicy {
    /// Whether a caller limited to `namespace` may run `command` at all. QUERY and LISTRULES are
    /// always allowed and filter their records instead; STAT is always allowed.
    static func permits(_ command: Command, in namespace: Namespace) -> Bool {
        switch command {
        case .set(let job, _), .get(let job), .remove(let job), .setRecurring(let job, _, _), .info(let job):
            return namespace.allows(job)
        case .ruleSet(let rule, let pattern, _):
            // D-namespaces: a rule whose pattern left the namespace would capture other tenants' jobs.
            return namespace.allows(rule) && namespace.allows(pattern)
        case .removeRule(let rule), .getRule(let rule):
            return namespace.allows(rule)
        case .query, .listRules, .queryRules, .stat, .malformed:
            return true
        }
    }

    /// docs/protocol.md#namespaces: a QUERY record is shown when its first SP-delimited field (the job id up to its
    /// first space) starts with the namespace. Matches the reference even for ids with spaces.
    static func queryShows(jobID: Bytes, in namespace: Namespace) -> Bool {
        guard case .prefix(let prefix) = namespace else { return true }
        let field = jobID.firstIndex(of: 0x20).map { jobID[..<$0] } ?? jobID[...]
        return field.count >= prefix.count && field.starts(with: prefix)
    }

    /// D-namespaces: LISTRULES shows only rules whose id is inside the namespace.
    static func listRulesShows(ruleID: Bytes, in namespace: Namespace) -> Bool {
        namespace.allows(ruleID)
    }

    /// Every job id QUERY may show starts with this (the longer of prefix and namespace, when one
    /// extends the other), or nil when no id can satisfy both: lets QUERY walk a narrower range.
    static func queryRange(prefix: Bytes, in namespace: Namespace) -> Bytes? {
        guard case .prefix(let scope) = namespace else { return prefix }
        if ByteOrder.hasPrefix(scope, prefix) { return scope }
        if ByteOrder.hasPrefix(prefix, scope) { return prefix }
        return nil
    }
}
