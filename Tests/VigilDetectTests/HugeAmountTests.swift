import Foundation
import Testing
import VigilCore
@testable import VigilDetect

/// Amounts as large as a 64-bit store can hold (a store imported before the maximum per transaction) or many at the
/// maximum: every detector takes them without overflowing (it stopped the program with "arithmetic overflow"), and
/// gives finite features and readable reasons.
@Suite struct HugeAmountTests {
    // Monday 2024-01-01 10:00 UTC.
    let start: Int64 = 1_704_103_200

    /// Forty ordinary days, then one day of `amounts`, a second apart (so that they all fall in one day's window).
    func client(_ amounts: [Int64]) -> TransactionColumns {
        let usual = (0..<40).map { (instant: start + Int64($0) * 86_400, amountMinor: Int64(5_000)) }
        let day = amounts.enumerated().map { (instant: start + 40 * 86_400 + Int64($0.offset), amountMinor: $0.element) }
        return .oneClient(usual + day)
    }

    static let extremes: [[Int64]] = [
        [5_000_000_000_000_000_000, 5_000_000_000_000_000_000],  // the issue's two rows, as an older import stored them
        [.max, .max, .max, .min, .min, .max],
        Array(repeating: Money.maximumMinorUnits, count: 12_000),  // more maximum amounts than 64 bits can total
    ]

    @Test(arguments: extremes) func featuresStayFinite(amounts: [Int64]) {
        let c = client(amounts)
        let m = FeatureExtractor(prior: .uninformed, concurrency: 1).features(of: c)
        #expect(m.rowCount == c.count)
        for row in 0..<m.rowCount {
            for column in 0..<m.columnCount where !m[row, column].isFinite {
                Issue.record("row \(row), feature \(TransactionFeature.allCases[column]): \(m[row, column])")
            }
        }
        _ = PopulationPrior.estimate(from: c)
    }

    @Test(arguments: extremes) func rulesAndProfilesTakeThem(amounts: [Int64]) throws {
        let c = client(amounts)
        let hits = RuleSet(prior: .uninformed).hits(client: 0, of: c)
        let overSpend = hits.filter { $0.detector == .overDailySpend }
        #expect(!overSpend.isEmpty, "the day is far above the usual $50")
        for hit in hits {
            #expect(hit.score.isFinite && hit.score >= 0 && hit.score <= 1)
            #expect(!hit.reason.isEmpty)
        }
        let profile = try #require(ClientProfile.profile(ofClient: 0, in: c))
        let daily = try #require(profile.dailySpend)
        #expect(daily.p95.isFinite && daily.p95 > 0)
        #expect(profile.summary(currency: "USD").contains { $0.hasPrefix("daily spend: median $50.00") })
    }

    /// A day's spend saturates at the largest Int64 rather than overflowing, and its reason still reads.
    @Test func overSpendSaturates() throws {
        let rule = OverSpendRule(parameters: .init(period: .day))
        let findings = rule.findings(client: 0, of: client([.max / 2, .max / 2, .max / 2]))
        let last = try #require(findings.last)
        #expect(last.spendMinor == .max)
        #expect(rule.reason(for: last).hasPrefix("this day's spend so far, $92,233,720,368,547,758.07, is "))
    }

    /// The day-spend feature's running total counts every charge in the window exactly, past what 64 bits hold.
    @Test func daySpendCountsEveryCharge() {
        let extractor = FeatureExtractor(prior: .uninformed, concurrency: 1)
        var state = FeatureExtractor.ClientState()
        for k in 0..<20_000 {
            let event = TransactionEvent(instant: start + Int64(k), amountMinor: Money.maximumMinorUnits, category: 0)
            _ = extractor.features(of: event, categoryPrior: 0.5, state: &state)
        }
        #expect(state.daySpend.exceedsInt64)
        #expect(state.daySpend.doubleValue == 2e19)
        // A day later the window has emptied again, exactly.
        let later = TransactionEvent(instant: start + 200_000, amountMinor: 1_234, category: 0)
        _ = extractor.features(of: later, categoryPrior: 0.5, state: &state)
        #expect(state.daySpend == { var s = AmountSum(); s.add(1_234); return s }())
    }
}
