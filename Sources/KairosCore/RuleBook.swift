import KairosProtocol
import KairosSync

/// A rule as stored (README.md#architecture): a literal prefix pattern and the runner to start.
struct Rule: Equatable {
    var pattern: Bytes
    var runner: RunnerSpec
}

/// The rules table plus the index that picks the rule for a due job (docs/protocol.md#rule-matching with D-rule-ties).
///
/// Rules sharing a pattern form a group ordered by rule id, so a group's first member is its
/// winner. Matching probes the hash of each prefix of the job id whose length some pattern has,
/// longest first: the cost depends on the number of distinct pattern lengths, not on the number
/// of rules, and needs no allocation. The empty pattern is length 0, probed last (D-rule-ties).
///
/// Also the single writer of `ServerStats.rulesTotal` (core thread).
struct RuleBook {
    private struct Group {
        var pattern: Bytes
        /// Sorted by rule id; the first member wins ties (D-rule-ties).
        var members: [(id: Bytes, runner: RunnerSpec)]
    }

    private var rules: [Bytes: Rule] = [:]
    /// Rule ids in bytewise order, for LISTRULES.
    private var sortedIDs: [Bytes] = []
    private var groups: [Group] = []
    private var freeGroups: [UInt32] = []
    private var groupIndex = ByteHashIndex()
    /// Distinct pattern lengths, longest first, with the number of groups of each length.
    private var lengthsDescending: [Int] = []
    private var groupsPerLength: [Int: Int] = [:]
    private let stats: ServerStats

    init(stats: ServerStats) {
        self.stats = stats
    }

    var count: Int { rules.count }

    subscript(id: Bytes) -> Rule? { rules[id] }

    /// Inserts or replaces rule `id`; returns the rule it replaced.
    @discardableResult
    mutating func set(_ id: Bytes, _ rule: Rule) -> Rule? {
        let previous = rules.updateValue(rule, forKey: id)
        if let previous {
            leaveGroup(id, pattern: previous.pattern)
        } else {
            sortedIDs.insert(id, at: Self.lowerBound(sortedIDs, id))
        }
        joinGroup(id, rule)
        stats.rulesTotal.store(rules.count, ordering: .relaxed)
        return previous
    }

    /// Deletes rule `id`; returns it, or nil when absent.
    @discardableResult
    mutating func remove(_ id: Bytes) -> Rule? {
        guard let previous = rules.removeValue(forKey: id) else { return nil }
        sortedIDs.remove(at: Self.lowerBound(sortedIDs, id))
        leaveGroup(id, pattern: previous.pattern)
        stats.rulesTotal.store(rules.count, ordering: .relaxed)
        return previous
    }

    /// The winning rule for `jobID`: the longest pattern that is a prefix of it, ties to the
    /// smallest rule id; the empty pattern matches everything last (D-rule-ties).
    func match(_ jobID: Bytes) -> (id: Bytes, runner: RunnerSpec)? {
        jobID.withUnsafeBufferPointer { job in
            for length in lengthsDescending where length <= job.count {
                let prefix = UnsafeBufferPointer(rebasing: job[0..<length])
                let hash = ByteHashIndex.hash(prefix)
                let found = groupIndex.find(hash: hash) {
                    ByteOrder.prefix(of: job, length: length, equals: groups[Int($0)].pattern)
                }
                if let found { return groups[Int(found)].members[0] }
            }
            return nil
        }
    }

    /// Calls `body` with each rule whose id is >= `key`, in id order, until it returns false.
    func forEachSorted(from key: Bytes, _ body: (Bytes, Rule) -> Bool) {
        var position = Self.lowerBound(sortedIDs, key)
        while position < sortedIDs.count {
            let id = sortedIDs[position]
            if let rule = rules[id], !body(id, rule) { return }
            position += 1
        }
    }

    /// Calls `body` for every rule in rule-id order.
    func forEachSorted(_ body: (Bytes, Rule) -> Void) {
        for id in sortedIDs {
            if let rule = rules[id] { body(id, rule) }
        }
    }

    private mutating func joinGroup(_ id: Bytes, _ rule: Rule) {
        let hash = ByteHashIndex.hash(rule.pattern)
        if let handle = groupIndex.find(hash: hash, matches: { groups[Int($0)].pattern == rule.pattern }) {
            let position = Self.lowerBound(groups[Int(handle)].members.map(\.id), id)
            groups[Int(handle)].members.insert((id, rule.runner), at: position)
            return
        }
        let group = Group(pattern: rule.pattern, members: [(id, rule.runner)])
        let handle: UInt32
        if let reused = freeGroups.popLast() {
            handle = reused
            groups[Int(handle)] = group
        } else {
            handle = UInt32(groups.count)
            groups.append(group)
        }
        groupIndex.insert(hash: hash, handle: handle)
        let length = rule.pattern.count
        groupsPerLength[length, default: 0] += 1
        if groupsPerLength[length] == 1 {
            lengthsDescending.append(length)
            lengthsDescending.sort(by: >)
        }
    }

    private mutating func leaveGroup(_ id: Bytes, pattern: Bytes) {
        let hash = ByteHashIndex.hash(pattern)
        guard let handle = groupIndex.find(hash: hash, matches: { groups[Int($0)].pattern == pattern }) else {
            preconditionFailure("rule without its pattern group")
        }
        groups[Int(handle)].members.removeAll { $0.id == id }
        guard groups[Int(handle)].members.isEmpty else { return }
        groupIndex.remove(hash: hash, handle: handle)
        groups[Int(handle)] = Group(pattern: [], members: [])
        freeGroups.append(handle)
        let length = pattern.count
        groupsPerLength[length, default: 0] -= 1
        if groupsPerLength[length] == 0 {
            groupsPerLength[length] = nil
            lengthsDescending.removeAll { $0 == length }
        }
    }

    private static func lowerBound(_ sorted: [Bytes], _ key: Bytes) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if ByteOrder.compare(sorted[middle], key) < 0 { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
