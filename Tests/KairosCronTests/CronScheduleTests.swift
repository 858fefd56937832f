import Foundation
import KairosCron
import Testing

@Suite struct CronScheduleTests {
    static func utc(_ text: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        return Int64(formatter.date(from: text)!.timeIntervalSince1970) * 1_000_000_000
    }

    static func next(_ expr: String, _ zone: String, after: String, count: Int = 3) -> [String] {
        let schedule = CronSchedule.parse(expr, zone: zone)!
        let formatter = ISO8601DateFormatter()
        var instant = utc(after)
        var out: [String] = []
        for _ in 0..<count {
            instant = schedule.next(after: instant)!
            out.append(formatter.string(from: Date(timeIntervalSince1970: Double(instant / 1_000_000_000))))
        }
        return out
    }

    @Test(arguments: ["", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *",
                      "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "* * * foo *", "1,,2 * * * *", "@never",
                      "0 0 30 2 *", "0 0 31 4,6,9,11 *", "-1 * * * *", "1-2-3 * * * *", "1/2/3 * * * *"])
    func invalid(_ expr: String) {
        #expect(CronExpression.parse(expr) == nil)
    }

    @Test func badZonesAreRefused() {
        #expect(CronSchedule.parse("* * * * *", zone: "Mars/Olympus") == nil)
        #expect(CronSchedule.parse("* * * * *", zone: "Europe/Paris") != nil)
    }

    @Test func namesMacrosAndSunday7() {
        #expect(CronExpression.parse("0 0 * JAN-mar Mon-fri") == CronExpression.parse("0 0 * 1-3 1-5"))
        #expect(CronExpression.parse("@weekly") == CronExpression.parse("0 0 * * 7"))
        #expect(CronExpression.parse(" @daily ") == CronExpression.parse("0 0 * * *"))
        #expect(CronExpression.parse("0 0 29 2 *") != nil)
    }

    @Test func vixieDaySemantics() {
        // Both restricted: the 13th OR any Friday.
        #expect(Self.next("0 12 13 * 5", "UTC", after: "2026-03-01T00:00:00Z", count: 4)
            == ["2026-03-06T12:00:00Z", "2026-03-13T12:00:00Z", "2026-03-20T12:00:00Z", "2026-03-27T12:00:00Z"])
        // A day field starting with `*` makes it AND: odd days that are Mondays.
        #expect(Self.next("0 0 */2 * 1", "UTC", after: "2026-03-01T00:00:00Z", count: 2)
            == ["2026-03-09T00:00:00Z", "2026-03-23T00:00:00Z"])
    }

    @Test func springForwardRunsAtTheTransition() {
        // Paris 2026-03-29: 02:00 CET → 03:00 CEST; 02:30 does not exist.
        #expect(Self.next("30 2 * * *", "Europe/Paris", after: "2026-03-28T12:00:00Z")
            == ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"])
        // Lord Howe 2026-10-04: 02:00 +10:30 → 02:30 +11; 02:15 does not exist.
        #expect(Self.next("15 2 * * *", "Australia/Lord_Howe", after: "2026-10-03T00:00:00Z", count: 2)
            == ["2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"])
    }

    @Test func fallBackRunsOnceAtTheFirstOccurrence() {
        // New York 2026-11-01: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST): once, the first.
        #expect(Self.next("30 1 * * *", "America/New_York", after: "2026-10-31T12:00:00Z")
            == ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z", "2026-11-03T06:30:00Z"])
        // Every 20 minutes through the repeated hour: its wall times run once each.
        #expect(Self.next("*/20 * * * *", "Europe/Paris", after: "2026-10-25T00:10:00Z", count: 4)
            == ["2026-10-25T00:20:00Z", "2026-10-25T00:40:00Z", "2026-10-25T02:00:00Z", "2026-10-25T02:20:00Z"])
    }

    @Test func leapDayYearsApart() {
        #expect(Self.next("0 0 29 2 *", "UTC", after: "2025-01-01T00:00:00Z", count: 2)
            == ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"])
    }
}
