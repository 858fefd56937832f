/// RFC 3339 date-times for HTTP job bodies (D-http-api): `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`,
/// with the offset and up to nanosecond fractions honoured (digits past the ninth are dropped).
/// Dates are checked like SET's (D-bad-timestamps): a real calendar day, hour < 24, minute and second < 60
/// (no leap second), and a result inside the `Int64` nanosecond range.
extension Timestamp {
    public static func parseRFC3339(_ text: Bytes) -> Int64? {
        text.withUnsafeBytes { parseRFC3339($0) }
    }

    public static func parseRFC3339(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = fixedDigits(bytes, 0..<4), let month = fixedDigits(bytes, 5..<7),
            let day = fixedDigits(bytes, 8..<10), let hour = fixedDigits(bytes, 11..<13),
            let minute = fixedDigits(bytes, 14..<16), let second = fixedDigits(bytes, 17..<19),
            (1...12).contains(month), (1...daysInMonth(month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            var scale: Int64 = 100_000_000
            while index < bytes.count, let digit = fixedDigits(bytes, index..<(index + 1)) {
                fraction += digit * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard bytes.count - index == 6, bytes[index + 3] == UInt8(ascii: ":"),
                let offsetHour = fixedDigits(bytes, (index + 1)..<(index + 3)),
                let offsetMinute = fixedDigits(bytes, (index + 4)..<(index + 6)),
                offsetHour < 24, offsetMinute < 60
            else { return nil }
            offsetSeconds = (offsetHour * 3_600 + offsetMinute * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        // Local time minus its offset is UTC; the sum stays far inside Int64 for 4-digit years.
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetSeconds
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (total, overflowFraction) = whole.addingReportingOverflow(fraction)
        return overflowFraction ? nil : total
    }

    private static func fixedDigits(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        guard range.upperBound <= bytes.count else { return nil }
        var value: Int64 = 0
        for index in range {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
        }
        return value
    }
}
