/// A 5-field cron expression (minute hour day-of-month month day-of-week) or one of the
/// `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly` (`@annually`) macros (issue 15).
///
/// Fields take `*`, numbers, `a-b` ranges, `/step` on either, comma lists, and month/day names
/// (`jan`-`dec`, `sun`-`sat`, any case). Day-of-week 7 is Sunday, as 0. Days follow Vixie cron:
/// when either day field starts with `*`, a day must match both; when both are restricted, a day
/// matching either one is enough.
public struct CronExpression: Sendable, Equatable, Hashable {
    /// Bit i set = value i allowed.
    public let minutes: UInt64
    public let hours: UInt64
    public let daysOfMonth: UInt64
    public let months: UInt64
    public let daysOfWeek: UInt64
    /// Vixie's DOM_STAR / DOW_STAR: the field's text started with `*`.
    public let dayOfMonthStar: Bool
    public let dayOfWeekStar: Bool

    /// nil when `text` is not a valid expression or can never match (`0 0 30 2 *`).
    public static func parse(_ text: String) -> CronExpression? {
        let trimmed = text.trimmingSpaces()
        let expanded: String
        switch trimmed.lowercased() {
        case "@hourly": expanded = "0 * * * *"
        case "@daily", "@midnight": expanded = "0 0 * * *"
        case "@weekly": expanded = "0 0 * * 0"
        case "@monthly": expanded = "0 0 1 * *"
        case "@yearly", "@annually": expanded = "0 0 1 1 *"
        default: expanded = trimmed
        }
        let fields = expanded.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5,
              let minutes = parseField(fields[0], 0...59, names: [:]),
              let hours = parseField(fields[1], 0...23, names: [:]),
              let days = parseField(fields[2], 1...31, names: [:]),
              let months = parseField(fields[3], 1...12, names: monthNames),
              var weekdays = parseField(fields[4], 0...7, names: dayNames)
        else { return nil }
        if weekdays & (1 << 7) != 0 { weekdays = (weekdays | 1) & ~(1 << 7) }
        let expression = CronExpression(
            minutes: minutes, hours: hours, daysOfMonth: days, months: months, daysOfWeek: weekdays,
            dayOfMonthStar: fields[2].hasPrefix("*"), dayOfWeekStar: fields[4].hasPrefix("*"))
        return expression.canMatch ? expression : nil
    }

    /// Whether the civil date matches the day fields and the month.
    public func matchesDay(month: Int, day: Int, weekday: Int) -> Bool {
        guard months & (1 << UInt64(month)) != 0 else { return false }
        let domMatch = daysOfMonth & (1 << UInt64(day)) != 0
        let dowMatch = daysOfWeek & (1 << UInt64(weekday)) != 0
        return dayOfMonthStar || dayOfWeekStar ? domMatch && dowMatch : domMatch || dowMatch
    }

    /// A day-of-month-only expression whose days exist in none of its months never fires; any
    /// expression that involves weekdays (or Feb 29 in a month set with February) does.
    private var canMatch: Bool {
        if !dayOfMonthStar && !dayOfWeekStar { return true }
        let longest = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let firstDay = daysOfMonth.trailingZeroBitCount
        return (1...12).contains { months & (1 << UInt64($0)) != 0 && firstDay <= longest[$0] } && daysOfWeek != 0
    }

    private static let monthNames: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    ]
    private static let dayNames: [String: Int] = ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]

    private static func parseField(_ field: String, _ bounds: ClosedRange<Int>, names: [String: Int]) -> UInt64? {
        var bits: UInt64 = 0
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return nil }
            var step = 1
            if parts.count == 2 {
                guard let value = number(parts[1]), value >= 1 else { return nil }
                step = value
            }
            let range: ClosedRange<Int>
            if parts[0] == "*" {
                range = bounds
            } else {
                let ends = parts[0].split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2, let low = value(ends[0], names) else { return nil }
                if ends.count == 2 {
                    guard let high = value(ends[1], names), low <= high else { return nil }
                    range = low...high
                } else {
                    // `a/step` runs from a to the field's maximum (Vixie, croniter).
                    range = parts.count == 2 ? low...bounds.upperBound : low...low
                }
            }
            guard bounds.contains(range.lowerBound), bounds.contains(range.upperBound) else { return nil }
            for value in stride(from: range.lowerBound, through: range.upperBound, by: step) { bits |= 1 << UInt64(value) }
        }
        return bits
    }

    private static func value(_ text: Substring, _ names: [String: Int]) -> Int? {
        number(text) ?? names[text.lowercased()]
    }

    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 4, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
