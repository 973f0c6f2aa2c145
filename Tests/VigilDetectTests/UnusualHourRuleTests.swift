import Foundation
import Testing
import VigilCore
@testable import VigilDetect

@Suite struct UnusualHourRuleTests {
    let uniform = PopulationPrior(medianLogAmount: 3, madLogAmount: 1, categoryShare: [:],
                                  hourShare: Array(repeating: 1.0 / 24, count: 24))
    // Monday 2024-01-01 00:00 UTC.
    let start: Int64 = 1_704_067_200

    private func client(_ instants: [Int64]) -> TransactionColumns {
        .oneClient(instants.map { ($0, 1_000) })
    }

    @Test func aNightPurchaseByADaytimeClientFiresWithItsNumbers() throws {
        let noon = (0..<100).map { start + Int64($0) * 86_400 + 12 * 3_600 + Int64($0 % 7) * 600 }
        let night = start + 102 * 86_400 + 3 * 3_600 + 12 * 60  // Friday 2024-04-12, 03:12
        let findings = UnusualHourRule(prior: uniform).findings(client: 0, of: client(noon + [night]))
        let finding = try #require(findings.first)
        #expect(findings.count == 1 && finding.row == 100)
        // Nothing of the client's own near 03:00: only the prior's 10 × 3/24 pseudo-transactions, against the
        // ~70 that 100 daily purchases weigh with a 90-day half-life, plus the prior's 10.
        #expect(finding.share > 0.012 && finding.share < 0.02)
        #expect(finding.score > 0 && finding.score < 0.4)
        let reason = UnusualHourRule(prior: uniform).reason(for: finding)
        #expect(reason.hasPrefix("03:12 Fri (UTC) — "))
        #expect(reason.contains("% of this client's 100 earlier transactions"))
        #expect(reason.hasSuffix("fall between 02:00 and 05:00"))
    }

    @Test func shortHistoryNeverFires() {
        let few = (0..<19).map { start + Int64($0) * 86_400 + 12 * 3_600 } + [start + 20 * 86_400 + 3 * 3_600]
        #expect(UnusualHourRule(prior: uniform).findings(client: 0, of: client(few)).isEmpty)
    }

    @Test func usualHoursDoNotFire() {
        let noon = (0..<80).map { start + Int64($0) * 86_400 + 12 * 3_600 + Int64($0 % 5) * 900 }
        #expect(UnusualHourRule(prior: uniform).findings(client: 0, of: client(noon)).isEmpty)
    }

    @Test func oldHabitsFadeSoAChangedClientStopsBeingFlagged() {
        // 500 days of noon purchases, then nights: the fifth night.
        let noon = (0..<500).map { start + Int64($0) * 86_400 + 12 * 3_600 }
        let nights = (0..<5).map { start + Int64(500 + $0) * 86_400 + 3 * 3_600 }
        let columns = client(noon + nights)
        var forever = UnusualHourRule.Parameters()
        forever.halfLifeDays = 100_000
        let without = UnusualHourRule(parameters: forever, prior: uniform).findings(client: 0, of: columns)
        let with = UnusualHourRule(prior: uniform).findings(client: 0, of: columns)
        #expect(without.map(\.row).contains(504), "without decay the fifth night is still unusual")
        #expect(!with.map(\.row).contains(504), "with a 90-day half-life four recent nights outweigh old noons")
        #expect(with.map(\.row).contains(500), "the first night is unusual either way")
    }

    @Test func scoreIsLinearBelowTheThreshold() {
        let rule = UnusualHourRule(prior: uniform)
        #expect(rule.score(share: 0) == 1)
        #expect(rule.score(share: 0.01) == 0.5)
        #expect(rule.score(share: 0.02) == 0)
        #expect(rule.score(share: 0.3) == 0)
    }
}
