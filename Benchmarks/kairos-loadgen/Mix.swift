import KairosSystem
/// The request kinds the load generator can send (docs/protocol.md#instructions), one per `--mix` key.
enum Operation: Int, CaseIterable, Sendable, Comparable {
    case set, get, query, remove, stat, rule, listrules

    /// The `--mix` key and the name used in reports.
    var name: String {
        switch self {
        case .set: "set"
        case .get: "get"
        case .query: "query"
        case .remove: "remove"
        case .stat: "stat"
        case .rule: "rule"
        case .listrules: "listrules"
        }
    }

    /// Redis has an equivalent for these only; the others have no Redis counterpart to compare.
    var redisEquivalent: Bool {
        switch self {
        case .set, .get, .remove, .stat: true
        case .query, .rule, .listrules: false
        }
    }

    static func < (lhs: Operation, rhs: Operation) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Why a `--mix` value was refused; the message is shown to the user as is.
struct MixError: Error, Equatable, CustomStringConvertible {
    let description: String
}

/// Weighted choice among operations, parsed from `set=80,get=20[,query=..]`.
///
/// Weights are relative (they need not add up to 100). The draw is a pure function of a random
/// number so each connection can use its own generator without sharing state.
struct Mix: Equatable, Sendable {
    /// Operations with a non-zero weight, and the running total up to and including each one.
    private(set) var operations: [Operation] = []
    private var cumulative: [UInt64] = []
    private(set) var totalWeight: UInt64 = 0

    /// Parses `key=weight` pairs separated by commas; every key at most once, weights >= 0,
    /// at least one weight > 0.
    static func parse(_ text: String) throws(MixError) -> Mix {
        var weights: [Operation: UInt64] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else {
                throw MixError(description: "--mix: expected key=weight, got '\(part)'")
            }
            let key = pair[0].trimmingSpaces()
            guard let operation = Operation.allCases.first(where: { $0.name == key }) else {
                let known = Operation.allCases.map(\.name).joined(separator: ", ")
                throw MixError(description: "--mix: unknown operation '\(key)' (known: \(known))")
            }
            guard weights[operation] == nil else {
                throw MixError(description: "--mix: '\(key)' given twice")
            }
            guard let weight = UInt64(pair[1].trimmingSpaces()), weight <= 1_000_000 else {
                throw MixError(description: "--mix: weight of '\(key)' must be an integer 0...1000000, got '\(pair[1])'")
            }
            weights[operation] = weight
        }
        var mix = Mix()
        for operation in Operation.allCases {
            guard let weight = weights[operation], weight > 0 else { continue }
            mix.totalWeight += weight
            mix.operations.append(operation)
            mix.cumulative.append(mix.totalWeight)
        }
        guard mix.totalWeight > 0 else { throw MixError(description: "--mix: every weight is zero") }
        return mix
    }

    /// The operation for a uniformly random `draw` (any UInt64).
    func pick(_ draw: UInt64) -> Operation {
        let point = draw % totalWeight
        // At most seven entries: a linear scan beats a binary search here.
        for index in cumulative.indices where point < cumulative[index] {
            return operations[index]
        }
        return operations[operations.count - 1]
    }

    /// The share of `operation` in percent, for reports.
    func percent(_ operation: Operation) -> Double {
        guard let index = operations.firstIndex(of: operation) else { return 0 }
        let previous = index == 0 ? 0 : cumulative[index - 1]
        return Double(cumulative[index] - previous) * 100 / Double(totalWeight)
    }

    /// Canonical text form, e.g. `set=80,get=20`.
    var text: String {
        operations.indices.map { index in
            let previous = index == 0 ? 0 : cumulative[index - 1]
            return "\(operations[index].name)=\(cumulative[index] - previous)"
        }.joined(separator: ",")
    }
}

extension Substring {
    /// The text without leading and trailing spaces (Foundation stays out of this pure file).
    func trimmingSpaces() -> String {
        var slice = self[...]
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
