import Testing
import VigilCore

@Suite struct TimestampParserTests {
    let parser = TimestampParser()

    func epoch(_ text: String) -> Int64? {
        if case .success(let v) = parser.parse(text) { return v }
        return nil
    }

    func reason(_ text: String) -> String? {
        if case .failure(let e) = parser.parse(text) { return e.reason }
        return nil
    }

    // 2023-01-01 00:00:29 UTC is 1672531229 (the card export's first row carries both).
    @Test func plainDateTime() {
        #expect(epoch("2023-01-01 00:00:29") == 1_672_531_229)
        #expect(epoch("2023-01-01 00:00") == 1_672_531_200)
        #expect(epoch("  2023-01-01 00:00:29 ") == 1_672_531_229)
        #expect(epoch("2023-01-01") == 1_672_531_200)
    }

    @Test func isoWithAndWithoutZone() {
        #expect(epoch("2023-01-01T00:00:29") == 1_672_531_229)
        #expect(epoch("2023-01-01T00:00:29Z") == 1_672_531_229)
        #expect(epoch("2023-01-01T00:00:29.123Z") == 1_672_531_229)
        #expect(epoch("2023-01-01T02:00:29+02:00") == 1_672_531_229)
        #expect(epoch("2022-12-31T19:00:29-0500") == 1_672_531_229)
        #expect(epoch("2023-01-01T05:30:29+05:30") == 1_672_531_229)
        #expect(epoch("2023-01-01 00:00:29 UTC") == 1_672_531_229)
    }

    @Test func defaultZoneAppliesOnlyWithoutOne() {
        let paris = TimestampParser(defaultOffsetSeconds: 3600)
        #expect(paris.parse("2023-01-01 01:00:29") == .success(1_672_531_229))
        #expect(paris.parse("2023-01-01T00:00:29Z") == .success(1_672_531_229))
    }

    @Test func epochSecondsAndMilliseconds() {
        #expect(epoch("1672531229") == 1_672_531_229)
        #expect(epoch("1672531229123") == 1_672_531_229)
        #expect(epoch("1672531229.5") == 1_672_531_229)
        #expect(reason("20230101") != nil)  // a compact date, not an epoch: refused rather than guessed
    }

    @Test func usDates() {
        #expect(epoch("01/01/2023 00:00:29") == 1_672_531_229)
        #expect(epoch("1/1/2023 00:00") == 1_672_531_200)
        #expect(epoch("12/31/2022 07:00 PM") == 1_672_513_200)
        #expect(epoch("01/01/2023 12:00:29 AM") == 1_672_531_229)
        #expect(epoch("01/01/2023") == 1_672_531_200)
    }

    @Test func leapDaysAndCalendarEdges() {
        #expect(epoch("2024-02-29 12:00:00") == 1_709_208_000)
        #expect(reason("2023-02-29 12:00:00")?.contains("day 29 out of range") == true)
        #expect(epoch("2000-02-29") == 951_782_400)
        #expect(reason("1900-02-29") != nil)
    }

    @Test func rejectsNonsenseWithReasons() {
        #expect(reason("") == "empty timestamp")
        #expect(reason("yesterday")?.contains("unrecognised") == true)
        #expect(reason("2023-13-01 00:00:00")?.contains("month 13") == true)
        #expect(reason("2023-01-01 24:00:00")?.contains("hour 24") == true)
        #expect(reason("2023-01-01 10:61:00")?.contains("minute 61") == true)
        #expect(reason("2023-01-01 10:00:00 tomorrow") != nil)
        #expect(reason("13/45/2023 10:00") != nil)
        #expect(reason("2023-01-01T00:00:00+25:00") != nil)
    }

    @Test func civilTimeRoundTrips() {
        for epoch: Int64 in [0, 1_672_531_229, 951_782_400, -86_400, 4_102_444_799] {
            let text = CivilTime.format(epoch)
            #expect(parser.parse(text) == .success(epoch), "\(text)")
        }
        // 2023-01-02 was a Monday (weekday 0).
        #expect(CivilTime.components(1_672_617_600).weekday == 0)
        #expect(CivilTime.components(1_672_531_229).weekday == 6)
    }
}
