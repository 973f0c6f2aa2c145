import Foundation
import Testing
import VigilCore
@testable import VigilDetect

@Suite struct BurstRuleTests {
    let start: Int64 = 1_704_067_200
    let rule = BurstRule()

    /// One client's rows: (seconds from `start`, amount in minor units).
    private func client(_ rows: [(Int64, Int64)]) -> TransactionColumns {
        .oneClient(rows.map { (start + $0.0, $0.1) })
    }

    @Test func poissonTailsByHand() {
        #expect(abs(BurstRule.tail(atLeast: 1, mean: 1) - (1 - exp(-1))) < 1e-12)
        #expect(abs(BurstRule.tail(atLeast: 3, mean: 0.5) - (1 - exp(-0.5) * (1 + 0.5 + 0.125))) < 1e-12)
        #expect(BurstRule.tail(atLeast: 0, mean: 2) == 1)
        #expect(BurstRule.tail(atLeast: 2, mean: 0) == 0)
        #expect(abs(BurstRule.tail(atLeast: 40, mean: 30) - 0.04625) < 1e-4, "well past the mean, many terms")
    }

    @Test func sixPurchasesInHalfAnHourFromAOnceADayClientIsABurst() throws {
        let daily = (0..<60).map { (Int64($0) * 86_400 + 43_200, Int64(2_000)) }
        let burst = (0..<6).map { (Int64(60 * 86_400 + 43_200) + Int64($0) * 300, Int64(2_000)) }
        let findings = rule.findings(client: 0, of: client(daily + burst))
        #expect(findings.map(\.row) == [63, 64, 65], "the fourth in the hour onwards")
        let first = try #require(findings.first)
        #expect(first.kind == .burst && first.count == 4)
        // 63 earlier transactions over the 60 days and 15 minutes since the first.
        #expect(abs(first.expected - 63.0 / (60.0 + 900.0 / 86_400) / 24) < 1e-9)
        #expect(first.probability < 1e-6 && first.score > 0.5 && first.score <= 1)
        #expect(rule.reason(for: first).hasPrefix("4 transactions within an hour where this client's rate expects 0.04 (chance 1 in "))
    }

    @Test func aBusyClientsHourIsNotABurst() {
        let busy = (0..<400).map { (Int64($0) * 2_160, Int64(2_000)) }  // 40 a day, evenly
        let hour = (0..<4).map { (Int64(400 * 2_160) + Int64($0) * 600, Int64(2_000)) }
        #expect(rule.findings(client: 0, of: client(busy + hour)).isEmpty)
    }

    @Test func aNewClientsFirstHourIsNotJudged() {
        let rows = (0..<5).map { (Int64($0) * 600, Int64(2_000)) }
        #expect(rule.findings(client: 0, of: client(rows)).isEmpty)
    }

    @Test func cardTestingIsTinyChargesThenALargeOne() throws {
        let rows: [(Int64, Int64)] = [(0, 100), (120, 99), (300, 250), (600, 45_000)]
        let finding = try #require(rule.findings(client: 0, of: client(rows)).first)
        #expect(finding.kind == .cardTesting && finding.row == 3 && finding.score == 1 && finding.count == 4)
        #expect(rule.reason(for: finding) == "3 charges of at most $5.00 in the 30 minutes before this one (card testing)")
        // Spread over more than the window, or only two small ones: not card testing.
        #expect(rule.findings(client: 0, of: client([(0, 100), (120, 99), (3_000, 250), (3_600, 45_000)])).isEmpty)
        #expect(rule.findings(client: 0, of: client([(0, 100), (120, 99), (600, 45_000)])).isEmpty)
    }

    @Test func chancesReadNaturally() {
        #expect(BurstRule.chance(1.0 / 45_000) == "1 in 45,000")
        #expect(BurstRule.chance(1.0 / 2_300_000) == "1 in 2.3 million")
    }
}
