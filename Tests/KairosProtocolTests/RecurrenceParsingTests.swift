import KairosProtocol
import Testing

@Suite("Recurring SET, INFO and durations (issue 15)")
struct RecurrenceParsingTests {
    private static let s: Int64 = 1_000_000_000

    /// (text, whole seconds)
    static let validDurations: [(String, Int64)] = [
        ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86_400), ("1h30m", 5400),
        ("1d2h3m4s", 93_784), ("1s", 1), ("0m1s", 1), ("100000d", 8_640_000_000),
    ]

    @Test(arguments: validDurations)
    func durations(_ text: String, _ seconds: Int64) {
        #expect(DurationText.parse(Array(text.utf8)) == seconds * 1_000_000_000)
    }

    @Test(arguments: ["", "90", "s", "1x", "1m1h", "1h1h", "1.5h", "-1s", "1 s", "1H", "99999999999999999999s",
                      "106752d", "1h30"])
    func badDurations(_ text: String) {
        #expect(DurationText.parse(Array(text.utf8)) == nil)
    }

    @Test func formatIsCanonical() {
        #expect(DurationText.format(5400 * Self.s) == "1h30m")
        #expect(DurationText.format(90 * Self.s) == "1m30s")
        #expect(DurationText.format(86_401 * Self.s) == "1d1s")
        #expect(DurationText.format(10 * Self.s) == "10s")
    }

    @Test func everyForms() {
        let s = Self.s
        #expect(parseLine("a SET j 100 EVERY 1h30m\n")
            == request("a", .setRecurring(job: bytes("j"), execution: 100, recurrence: Recurrence(interval: 5400 * s, anchor: 100))))
        #expect(parseLine("a SET j 2026-04-01 02:00:00 EVERY 1d\n")
            == request("a", .setRecurring(
                job: bytes("j"), execution: 1_775_008_800_000_000_000,
                recurrence: Recurrence(interval: 86_400 * s, anchor: 1_775_008_800_000_000_000))))
        #expect(parseLine("a SET j 5 EVERY 1m RETRY 3\n")
            == request("a", .setRecurring(
                job: bytes("j"), execution: 5, recurrence: Recurrence(interval: 60 * s, anchor: 5, retries: 3, backoff: 10 * s))))
        #expect(parseLine("a SET j 5 EVERY 1m RETRY 2 5s\n")
            == request("a", .setRecurring(
                job: bytes("j"), execution: 5, recurrence: Recurrence(interval: 60 * s, anchor: 5, retries: 2, backoff: 5 * s))))
    }

    @Test(arguments: [
        "a SET j 5 EVERY\n", "a SET j 5 EVERY 0s\n", "a SET j 5 EVERY 1\n", "a SET j 5 EVERY 1x\n",
        "a SET j 5 EVERY 1s extra\n", "a SET j 5 EVERY 1m RETRY\n", "a SET j 5 EVERY 1m RETRY x\n",
        "a SET j 5 EVERY 1m RETRY 65536\n", "a SET j 5 EVERY 1m RETRY 1 0s\n", "a SET j 5 EVERY 1m RETRY 1 1s x\n",
        "a SET j 5 RETRY 3\n", "a SET j 2026-04-01 02:00:00 RETRY 3\n", "a INFO\n",
    ])
    func invalidClausesAreErrors(_ line: String) {
        #expect(parseLine(line) == request("a", .malformed))
    }

    @Test func plainSetKeepsIgnoringSurplusTokens() {
        #expect(parseLine("a SET j 5 every 1s\n") == request("a", .set(job: bytes("j"), execution: 5)))
        #expect(parseLine("a SET j 5 6 EVERYx\n") == request("a", .set(job: bytes("j"), execution: 5)))
        #expect(parseLine("a INFO j x\n") == request("a", .info(job: bytes("j"))))
    }

    @Test func nextOccurrenceIsStrictlyAfterOnTheAnchorGrid() {
        let r = Recurrence(interval: 10, anchor: 100)
        #expect(r.next(after: 0) == 100)
        #expect(r.next(after: 99) == 100)
        #expect(r.next(after: 100) == 110)
        #expect(r.next(after: 109) == 110)
        #expect(r.next(after: 1_000_005) == 1_000_010)
        #expect(Recurrence(interval: Self.s, anchor: .min).next(after: .max - 5) == nil)
        #expect(Recurrence(interval: Int64.max / 2, anchor: 0).next(after: Int64.max - 1) == nil)
    }

    @Test func retryBackoffDoublesAndIsCappedAtTheInterval() {
        let r = Recurrence(interval: 60 * Self.s, anchor: 0, retries: 5, backoff: 10 * Self.s)
        #expect((1...5).map { r.retryDelay(attempt: $0) / Self.s } == [10, 20, 40, 60, 60])
    }

    @Test func cronForms() {
        guard case .request(let request)? = parseLine("a SET c CRON \"0 2 * * *\" TZ Europe/Paris RETRY 2 1m\n"),
              case .setRecurring(let job, _, let recurrence) = request.command
        else { Issue.record("not a recurring SET"); return }
        #expect(job == bytes("c"))
        #expect(recurrence.cron?.expression == "0 2 * * *")
        #expect(recurrence.cron?.zone == "Europe/Paris")
        #expect(recurrence.retries == 2 && recurrence.backoff == 60 * Self.s)
        guard case .request(let utc)? = parseLine("a SET c CRON @hourly\n"), case .setRecurring(_, _, let hourly) = utc.command
        else { Issue.record("not a recurring SET"); return }
        #expect(hourly.cron?.zone == "UTC")
        // @hourly after 00:30 UTC is 01:00 UTC.
        #expect(hourly.next(after: 1_774_744_200_000_000_000) == 1_774_746_000_000_000_000)
    }

    @Test(arguments: [
        "a SET c CRON\n", "a SET c CRON \"0 2 * *\"\n", "a SET c CRON \"0 2 * * *\" TZ\n",
        "a SET c CRON \"0 2 * * *\" TZ Mars/Olympus\n", "a SET c CRON \"0 2 * * *\" extra\n",
        "a SET c CRON \"0 2 30 2 *\"\n", "a SET c CRON \"0 2 * * *\" RETRY\n",
    ])
    func invalidCron(_ line: String) {
        #expect(parseLine(line) == request("a", .malformed))
    }
}
