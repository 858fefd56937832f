import Foundation

/// A cron expression in a time zone: the next-occurrence function (issue 15).
///
/// Zones come from Foundation's `TimeZone`, which accepts IANA names and computes offsets from
/// the tz database (on Linux through its ICU data); Kairos does not parse TZif itself because
/// that would be a second, less tested implementation of the same rules. Local wall times are
/// then handled as plain numbers (proleptic Gregorian seconds), and each candidate is mapped
/// back to an instant:
///
/// - a wall time that does not exist (spring forward) runs at the first valid instant after
///   it — the transition itself;
/// - a wall time that exists twice (fall back) runs once, at its first occurrence.
public struct CronSchedule: Sendable, Equatable {
    public let expression: CronExpression
    public let zone: TimeZone

    public init(expression: CronExpression, zone: TimeZone) {
        self.expression = expression
        self.zone = zone
    }

    /// `expression` in the zone named `zoneName` (default UTC); nil when either is invalid.
    public static func parse(_ expression: String, zone zoneName: String = "UTC") -> CronSchedule? {
        guard let parsed = CronExpression.parse(expression), let zone = TimeZone(identifier: zoneName) else { return nil }
        return CronSchedule(expression: parsed, zone: zone)
    }

    /// Longest search: 28 years covers every weekday/leap-year combination.
    private static let searchDays = 28 * 366

    /// The first occurrence strictly after `instant` (ns since the epoch), or nil if none is
    /// representable.
    public func next(after instant: Int64) -> Int64? {
        let after = instant.floorDivided(by: 1_000_000_000)
        let localNow = after + offset(at: after)
        // The first whole local minute after the wall time of `after`.
        let minute = localNow.floorDivided(by: 60) + 1
        var day = minute.floorDivided(by: 1_440)
        var firstMinuteOfDay = Int(minute - day * 1_440)
        for _ in 0..<Self.searchDays {
            let (_, month, dayOfMonth) = civil(fromDays: day)
            let weekday = Int((day + 4).modulo(7))  // 1970-01-01 was a Thursday
            if expression.matchesDay(month: month, day: dayOfMonth, weekday: weekday) {
                for minuteOfDay in firstMinuteOfDay..<1_440 {
                    let hour = minuteOfDay / 60
                    guard expression.hours & (1 << UInt64(hour)) != 0,
                          expression.minutes & (1 << UInt64(minuteOfDay % 60)) != 0
                    else { continue }
                    let wall = (day * 1_440 + Int64(minuteOfDay)) * 60
                    let candidate = resolve(wall)
                    // A repeated wall time resolves to its first occurrence, which may be at or
                    // before `after` when we are in the second pass: that one already ran.
                    if candidate > after {
                        let (ns, overflow) = candidate.multipliedReportingOverflow(by: 1_000_000_000)
                        return overflow ? nil : ns
                    }
                }
            }
            day += 1
            firstMinuteOfDay = 0
        }
        return nil
    }

    // MARK: time zone

    private func offset(at seconds: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
    }

    /// The instant (s) of local wall time `wall`: its first occurrence, or for a wall time in a
    /// gap the transition that skipped it.
    private func resolve(_ wall: Int64) -> Int64 {
        let before = offset(at: wall - 86_400)
        let after = offset(at: wall + 86_400)
        var valid: [Int64] = []
        for candidateOffset in Set([before, after]) {
            let instant = wall - candidateOffset
            if offset(at: instant) == candidateOffset { valid.append(instant) }
        }
        if let first = valid.min() { return first }
        // A gap: the offset moves from `before` to `after` somewhere in (wall - after,
        // wall - before]; the first instant with the new offset is the answer.
        var low = wall - max(before, after) - 1
        var high = wall - min(before, after)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(at: middle) == before { low = middle } else { high = middle }
        }
        return high
    }

    /// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
    private func civil(fromDays days: Int64) -> (Int64, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    fileprivate func modulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
