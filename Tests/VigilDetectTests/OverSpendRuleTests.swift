import Foundation
import Testing
import VigilCore
@testable import VigilDetect

@Suite struct OverSpendRuleTests {
    // Monday 2024-01-01 00:00 UTC.
    let start: Int64 = 1_704_067_200
    let daily = OverSpendRule(parameters: .init(period: .day))
    let monthly = OverSpendRule(parameters: .init(period: .month))

    /// One client's rows: (seconds from `start`, amount in minor units).
    private func client(_ rows: [(Int64, Int64)]) -> TransactionColumns {
        .oneClient(rows.map { (start + $0.0, $0.1) })
    }

    private func days(_ count: Int, each amount: Int64, from first: Int = 0) -> [(Int64, Int64)] {
        (first..<(first + count)).map { (Int64($0) * 86_400 + 36_000, amount) }
    }

    @Test func aDayFarAboveTheClientsUsualFiresWithItsNumbers() throws {
        let rows = days(30, each: 5_000) + [(30 * 86_400 + 36_000, 5_000), (30 * 86_400 + 40_000, 90_000)]
        let findings = daily.findings(client: 0, of: client(rows))
        let finding = try #require(findings.first)
        #expect(findings.count == 1 && finding.row == 31)
        #expect(finding.spendMinor == 95_000 && finding.usualMinor == 5_000 && finding.limitMinor == 15_000, "3 × the $50 median day")
        #expect(finding.periods == 30)
        #expect(finding.score == 1, "4.75 times the limit is past saturation")
        #expect(daily.reason(for: finding) == "this day's spend so far, $950.00, is 19.0× the client's usual busiest day "
                + "($50.00, the 95th percentile of 30 days with spend)")
    }

    /// A $12-a-day client's $61.20 day is as strange as a $120-a-day client's $612 day: the limit is the larger of
    /// 1.5 × the busiest usual day and 3 × the median day, both the client's own.
    @Test func theLimitScalesWithTheClient() throws {
        func pattern(_ scale: Int64) -> [(Int64, Int64)] {
            var rows: [(Int64, Int64)] = []
            for day in 0 ..< 30 { rows.append((Int64(day) * 86_400 + 36_000, (800 + Int64(day % 8) * 100) * scale)) }
            let last: [(Int64, Int64)] = [(30 * 86_400 + 36_000, 1_200), (30 * 86_400 + 40_000, 4_920), (31 * 86_400 + 36_000, 3_000)]
            for (instant, amount) in last { rows.append((instant, amount * scale)) }
            return rows
        }
        let small = daily.findings(client: 0, of: client(pattern(1)))
        let large = daily.findings(client: 0, of: client(pattern(10)))
        let finding = try #require(small.first)
        #expect(small.map(\.row) == [31], "$61.20 on the day fires; a $30 day (2.7× the median) does not")
        #expect(finding.spendMinor == 6_120 && finding.limitMinor == 3_300 && finding.usualMinor == 1_500)
        #expect(large.map(\.row) == [31] && large[0].score == finding.score && finding.score > 0.4)
        #expect(daily.reason(for: finding) == "this day's spend so far, $61.20, is 4.1× the client's usual busiest day "
                + "($15.00, the 95th percentile of 30 days with spend)")
    }

    @Test func theSmallFloorKeepsPenniesQuiet() {
        let rows = days(30, each: 100) + [(30 * 86_400 + 36_000, 900)]
        #expect(daily.findings(client: 0, of: client(rows)).isEmpty, "$9 is 9× a $1 day but under the $10 floor")
    }

    @Test func shortHistoryNeverFires() {
        let rows = days(5, each: 5_000) + [(6 * 86_400, 500_000)]
        #expect(daily.findings(client: 0, of: client(rows)).isEmpty)
    }

    @Test func aNewNormalStopsBeingFlagged() {
        // $50 days, then the client starts spending $400 a day: the first such days fire, later ones do not.
        let rows = days(30, each: 5_000) + days(70, each: 40_000, from: 30)
        let flagged = Set(daily.findings(client: 0, of: client(rows)).map(\.row))
        #expect(flagged.contains(30))
        #expect(!flagged.contains(99), "after 60 days at $400 a $400 day is usual")
    }

    @Test func refundsAreNotSpendAndAreNeverFlagged() {
        let rows = days(30, each: 5_000) + [(30 * 86_400 + 36_000, -90_000), (30 * 86_400 + 40_000, 10_000)]
        #expect(daily.findings(client: 0, of: client(rows)).isEmpty)
    }

    @Test func monthsUseTheCalendar() throws {
        // $1,000 in each of six months, then a month of $4,000: limit max($20, 1.5 × $1,000, 2 × $1,000) = $2,000.
        var rows: [(Int64, Int64)] = []
        for month in 0..<6 {
            let day = CivilTime.daysFromCivil(year: 2024, month: month + 1, day: 10) - CivilTime.daysFromCivil(year: 2024, month: 1, day: 1)
            rows.append((Int64(day) * 86_400, 100_000))
        }
        let july = Int64(CivilTime.daysFromCivil(year: 2024, month: 7, day: 2) - CivilTime.daysFromCivil(year: 2024, month: 1, day: 1))
        rows += [(july * 86_400, 100_000), (july * 86_400 + 3_600, 300_000)]
        let finding = try #require(monthly.findings(client: 0, of: client(rows)).first)
        #expect(finding.row == 7 && finding.spendMinor == 400_000 && finding.limitMinor == 200_000)
        #expect(abs(finding.score - 0.5) < 1e-12, "twice the limit: log 2 / log 4")
        #expect(monthly.reason(for: finding).hasPrefix("this month's spend so far, $4,000.00, is 4.0× the client's usual busiest month"))
        #expect(monthly.period(of: start + 30 * 86_400) == 648 && monthly.period(of: start + 31 * 86_400) == 649,
                "January 31 and February 1 of 2024")
    }

    @Test func quantilesInterpolateLikeNumpy() {
        var values = RecentValues(capacity: 10)
        for x in [1.0, 2, 3, 4] { values.add(x) }
        #expect(abs(values.quantile(0.95)! - 3.85) < 1e-12)
        #expect(values.quantile(0) == 1 && values.quantile(1) == 4 && values.quantile(0.5) == 2.5)
    }
}
