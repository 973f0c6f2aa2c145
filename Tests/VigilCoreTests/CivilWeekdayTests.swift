import Testing
import VigilCore

@Suite struct CivilWeekdayTests {
    @Test func weekdayOfDayCountsFromMonday() {
        #expect(CivilTime.weekday(ofDay: 0) == 3) // 1970-01-01, a Thursday
        #expect(CivilTime.weekday(ofDay: -1) == 2)
        #expect(CivilTime.weekday(ofDay: -3) == 0)
        let monday = Int64(CivilTime.daysFromCivil(year: 2023, month: 1, day: 2))
        #expect(CivilTime.weekday(ofDay: monday) == 0 && CivilTime.weekday(ofDay: monday + 6) == 6)
        for day in Int64(-800) ... 800 {
            #expect(CivilTime.weekday(ofDay: day) == Int((day % 7 + 7 + 3) % 7))
            #expect(CivilTime.weekday(ofDay: day + 7) == CivilTime.weekday(ofDay: day))
        }
    }
}
