/// SET timestamps (docs/protocol.md#timestamps as amended by D-bad-timestamps): `YYYY-MM-DD HH:MM:SS` in UTC or a signed
/// integer of nanoseconds since the epoch. Anything else is `nil`, which SET answers with
/// `ERROR` instead of the reference's silent 0.
public enum Timestamp {
    private static let nanosecondsPerSecond: Int64 = 1_000_000_000

    /// `T` is the list of tokens after the job id: `first` is `T[0]`, and `date`/`time` are
    /// `T[0]`/`T[1]` when `T` has at least two tokens (`nil` otherwise).
    ///
    /// When `date` and `time` have the date/time shape (10 bytes with `-` at 4 and 7, 8 bytes
    /// with `:` at 2 and 5) they must form a real date and time, converted as proleptic UTC;
    /// a date-shaped token can never be an integer, so there is nothing to fall back to.
    /// Otherwise `first` must be an integer: optional `+`/`-`, then digits only.
    /// Returns `nil` for an unparseable value, an impossible date (`2026-02-31`, hour 24,
    /// second 60) or a value outside the `Int64` nanosecond range.
    public static func parse(
        date: UnsafeRawBufferPointer?,
        time: UnsafeRawBufferPointer?,
        first: UnsafeRawBufferPointer
    ) -> Int64? {
        if let date, let time, hasDateShape(date), hasTimeShape(time) {
            return parseDateTime(date: date, time: time)
        }
        return parseInteger(first)
    }

    /// `T` = `tokens[start...]`; `nil` as well when `T` is empty.
    public static func parse(_ tokens: TokenList, from start: Int) -> Int64? {
        guard start < tokens.count else { return nil }
        return tokens.withToken(start) { first in
            guard start + 1 < tokens.count else {
                return parse(date: nil, time: nil, first: first)
            }
            return tokens.withToken(start + 1) { second in
                parse(date: first, time: second, first: first)
            }
        }
    }

    /// `T` given as arrays, for callers that already copied the tokens; `nil` when empty.
    public static func parse(_ tokens: [Bytes]) -> Int64? {
        guard let firstToken = tokens.first else { return nil }
        return firstToken.withUnsafeBytes { first in
            guard tokens.count >= 2 else {
                return parse(date: nil, time: nil, first: first)
            }
            return tokens[1].withUnsafeBytes { second in
                parse(date: first, time: second, first: first)
            }
        }
    }

    // MARK: Integers

    /// Optional `+` or `-`, then one or more ASCII digits, within `Int64`.
    /// Accumulates negatively so that `Int64.min` is reachable.
    static func parseInteger(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            index = 1
        }
        guard index < bytes.count else { return nil }
        var value: Int64 = 0
        while index < bytes.count {
            guard let digit = digitValue(bytes[index]) else { return nil }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = shifted.subtractingReportingOverflow(Int64(digit))
            if overflowA || overflowB { return nil }
            value = next
            index += 1
        }
        if negative { return value }
        return value == .min ? nil : -value
    }

    // MARK: Dates

    private static func hasDateShape(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count == 10 && bytes[4] == UInt8(ascii: "-") && bytes[7] == UInt8(ascii: "-")
    }

    private static func hasTimeShape(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count == 8 && bytes[2] == UInt8(ascii: ":") && bytes[5] == UInt8(ascii: ":")
    }

    private static func parseDateTime(date: UnsafeRawBufferPointer, time: UnsafeRawBufferPointer) -> Int64? {
        // Fixed-width fields of plain digits; the reference's tolerated signs and `_` are
        // rejected (docs/protocol.md#timestamps allows it, D-bad-timestamps asks for strictness).
        guard let year = digits(date, 0..<4), let month = digits(date, 5..<7), let day = digits(date, 8..<10),
              let hour = digits(time, 0..<2), let minute = digits(time, 3..<5), let second = digits(time, 6..<8)
        else { return nil }
        guard (1...12).contains(month), (1...daysInMonth(month, year: year)).contains(day),
              hour < 24, minute < 60, second < 60
        else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: nanosecondsPerSecond)
        return overflow ? nil : nanoseconds
    }

    /// The decimal value of `bytes[range]` when every byte is a digit.
    private static func digits(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        var value: Int64 = 0
        for index in range {
            guard let digit = digitValue(bytes[index]) else { return nil }
            value = value * 10 + Int64(digit)
        }
        return value
    }

    private static func digitValue(_ byte: UInt8) -> UInt8? {
        let digit = byte &- UInt8(ascii: "0")
        return digit < 10 ? digit : nil
    }

    /// Gregorian: every 4th year, except centuries not divisible by 400.
    static func isLeapYear(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    static func daysInMonth(_ month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (negative before it).
    /// Counts in 400-year eras of 146 097 days starting on March 1st, so that the leap day
    /// is the last day of its year and needs no special case.
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let era = (marchYear >= 0 ? marchYear : marchYear - 399) / 400
        let yearOfEra = marchYear - era * 400                                   // 0...399
        let monthFromMarch = month > 2 ? month - 3 : month + 9                  // 0...11
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1                // 0...365
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        // 719 468 days separate 0000-03-01 from 1970-01-01.
        return era * 146_097 + dayOfEra - 719_468
    }
}
