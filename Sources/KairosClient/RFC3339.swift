/// RFC 3339 date-times (`2026-12-24T18:00:00Z`, `2026-12-24T19:30:00.5+01:30`) as nanoseconds
/// since the Unix epoch, so `kairos cli SET` accepts the form operators copy from other tools;
/// the server itself only knows `YYYY-MM-DD HH:MM:SS` (UTC) and integers.
public enum RFC3339 {
    /// Why a token that looks like an RFC 3339 date-time was refused.
    public enum Failure: Error, Equatable, Sendable {
        /// Not of the shape `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
        case malformed
        /// A field out of range: month 13, 31 April, hour 24, minute 60, second 60 (leap seconds
        /// have no nanosecond value in Unix time), an offset beyond ±23:59.
        case outOfRange
        /// Outside what 64-bit nanoseconds hold (1677-09-21 to 2262-04-11).
        case overflow
    }

    /// True when `token` starts like a date-time (`YYYY-MM-DDT`): such a token is converted or
    /// refused, never sent as is, since the server would refuse it with a bare `ERROR`.
    public static func looksLikeDateTime(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        guard bytes.count >= 11 else { return false }
        let digitsAt = [0, 1, 2, 3, 5, 6, 8, 9]
        return digitsAt.allSatisfy { isDigit(bytes[$0]) } && bytes[4] == dash && bytes[7] == dash
            && (bytes[10] == upperT || bytes[10] == lowerT)
    }

    /// Nanoseconds since 1970-01-01T00:00:00Z. Fractions beyond nanoseconds are truncated;
    /// `t` and `z` are accepted as RFC 3339 allows.
    public static func nanoseconds(_ token: String) throws(Failure) -> Int64 {
        var reader = Reader(bytes: Array(token.utf8))
        let year = try reader.number(digits: 4)
        try reader.expect(dash)
        let month = try reader.number(digits: 2)
        try reader.expect(dash)
        let day = try reader.number(digits: 2)
        try reader.expect(upperT, or: lowerT)
        let hour = try reader.number(digits: 2)
        try reader.expect(colon)
        let minute = try reader.number(digits: 2)
        try reader.expect(colon)
        let second = try reader.number(digits: 2)
        let fraction = try reader.fractionNanoseconds()
        let offsetSeconds = try reader.offsetSeconds()
        guard reader.atEnd else { throw .malformed }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { throw .outOfRange }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetSeconds
        let (scaled, overflowA) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflowB) = scaled.addingReportingOverflow(fraction)
        guard !overflowA, !overflowB else { throw .overflow }
        return total
    }

    // MARK: Calendar

    /// Days from 1970-01-01 to the given proleptic Gregorian date (negative before 1970), by the
    /// era arithmetic that needs no loop over years.
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let monthFromMarch = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // MARK: Bytes

    private static let dash = UInt8(ascii: "-")
    private static let colon = UInt8(ascii: ":")
    private static let upperT = UInt8(ascii: "T")
    private static let lowerT = UInt8(ascii: "t")

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool { position == bytes.count }

        mutating func number(digits: Int) throws(Failure) -> Int64 {
            guard position + digits <= bytes.count else { throw .malformed }
            var value: Int64 = 0
            for byte in bytes[position..<position + digits] {
                guard RFC3339.isDigit(byte) else { throw .malformed }
                value = value * 10 + Int64(byte - 0x30)
            }
            position += digits
            return value
        }

        mutating func expect(_ byte: UInt8, or other: UInt8? = nil) throws(Failure) {
            guard position < bytes.count, bytes[position] == byte || bytes[position] == other else { throw .malformed }
            position += 1
        }

        /// `.` and at least one digit; digits past the ninth only need to be digits.
        mutating func fractionNanoseconds() throws(Failure) -> Int64 {
            guard position < bytes.count, bytes[position] == UInt8(ascii: ".") else { return 0 }
            position += 1
            var value: Int64 = 0
            var count = 0
            while position < bytes.count, RFC3339.isDigit(bytes[position]) {
                if count < 9 { value = value * 10 + Int64(bytes[position] - 0x30) }
                count += 1
                position += 1
            }
            guard count > 0 else { throw .malformed }
            for _ in count..<max(count, 9) { value *= 10 }
            return value
        }

        /// `Z`, or `+HH:MM` / `-HH:MM` as seconds east of UTC.
        mutating func offsetSeconds() throws(Failure) -> Int64 {
            guard position < bytes.count else { throw .malformed }
            let sign = bytes[position]
            position += 1
            if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") { return 0 }
            guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { throw .malformed }
            let hours = try number(digits: 2)
            try expect(RFC3339.colon)
            let minutes = try number(digits: 2)
            guard hours < 24, minutes < 60 else { throw .outOfRange }
            let seconds = hours * 3_600 + minutes * 60
            return sign == UInt8(ascii: "+") ? seconds : -seconds
        }
    }
}
