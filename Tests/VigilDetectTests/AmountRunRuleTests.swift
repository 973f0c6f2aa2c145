import Foundation
import Testing
import VigilCore
@testable import VigilDetect

@Suite struct AmountRunRuleTests {
    let rule = AmountRunRule()
    static let start: Int64 = 1_700_000_000
    static let halfDay: Int64 = 43_200

    /// Steps `rule` over charges twice a day: `quiet` judged charges that were not flagged, then `jumps` flagged
    /// ones, then returns the finding for a charge of `amount` cents `gapDays` after the last jump; every judgement
    /// says the client's median is $10.00 and their usual largest $20.00.
    private func finding(quiet: Int, quietFlagged: Int = 0, jumps: Int, gapDays: Double = 0.5, amount: Int64) -> AmountRunRule.Finding? {
        var state = AmountRunRule.State()
        var instant = Self.start
        func charge(_ amountMinor: Int64, flagged: Bool) -> AmountRunRule.Finding? {
            defer { instant += Self.halfDay }
            let judgement = UnusualAmountRule.Judgement(medianMinor: 1_000, usualMinor: 2_000, flagged: flagged)
            return rule.step(TransactionEvent(instant: instant, amountMinor: amountMinor, category: 0), row: 0,
                             judgement: judgement, state: &state)
        }
        for index in 0 ..< quiet { _ = charge(1_000, flagged: index < quietFlagged) }
        for _ in 0 ..< jumps { _ = charge(6_000, flagged: true) }
        instant += Int64(gapDays * 86_400) - Self.halfDay
        return charge(amount, flagged: false)
    }

    /// Two jumps in half a day on a card that never jumped in 100 charges: a $16.00 charge, 30 % of the way past the
    /// client's median towards their usual largest, scores by the run's improbability at the client's own rate.
    @Test func aChargeAfterAnImprobableRunOfJumpsScores() throws {
        let found = try #require(finding(quiet: 100, jumps: 2, amount: 1_600))
        // 14 charges in the 7 days before (twice a day, the one exactly 7 days back included); the client's rate of
        // flagged charges (2 + 0.5) / (102 + 100).
        let expected = 14 * 2.5 / 202
        let probability = 1 - exp(-expected) * (1 + expected)
        #expect(found.flagged == 2 && abs(found.expected - expected) < 1e-12)
        #expect(abs(found.probability - probability) < 1e-12)
        let run = log(0.1 / probability) / log(0.1 / 0.003)
        #expect(abs(found.score - 0.3 * run) < 1e-12, "(1600 − 1000) / (2000 − 1000) − 0.3 = 0.3 of the height")
        #expect(rule.reason(for: found)
                == "$16.00 is 1.6× this client's median charge ($10.00; usually at most $20.00) on a card with 2 charges "
                + "over their usual limit in the 7 days before (0.2 expected from their history; 1 in 75)")
    }

    @Test func noRunNoFinding() {
        #expect(finding(quiet: 100, jumps: 0, amount: 1_600) == nil, "no flagged charge in the window")
        #expect(finding(quiet: 100, jumps: 2, gapDays: 8, amount: 1_600) == nil, "the jumps left the 7-day window")
        #expect(finding(quiet: 100, jumps: 2, amount: 1_250) == nil, "a charge below 30 % of the way to the usual largest")
    }

    /// The same two jumps on a client a third of whose charges go over their limit are ordinary for them.
    @Test func theRunIsJudgedAgainstTheClientsOwnRate() throws {
        #expect(finding(quiet: 100, quietFlagged: 33, jumps: 2, gapDays: 8, amount: 1_600) == nil)
        #expect(finding(quiet: 100, quietFlagged: 33, jumps: 2, amount: 1_600) == nil,
                "P(2 or more) at (35 + 0.5) / 202 of 14 charges is far above 0.1")
        // The higher the charge and the longer the run, the higher the score, up to 1.
        let two = try #require(finding(quiet: 100, jumps: 2, amount: 1_600))
        let three = try #require(finding(quiet: 100, jumps: 3, amount: 1_600))
        let higher = try #require(finding(quiet: 100, jumps: 3, amount: 5_000))
        #expect(two.score < three.score && three.score < higher.score && higher.score == 1)
    }

    /// Through the rule set, on a client's own history: a $12 spender's compromised card. The jumps to $60 are
    /// unusual amounts; the $25 charge after them is not (under 2.5× the median), but it is on a card in a run.
    /// The same client ten times larger gets the same hits with the same scores: nothing is in fixed dollars.
    @Test func aSmallSpendersRunThroughTheRuleSet() throws {
        func columns(scale: Int64) -> TransactionColumns {
            var c = TransactionColumns()
            c.categoryNames = ["grocery"]
            var amounts = (0 ..< 60).map { Int64(1_000 + 25 * ($0 % 20)) * scale }  // $10.00 ... $14.75
            amounts += [6_000, 1_200, 6_000, 2_500].map { $0 * scale }
            for (index, amount) in amounts.enumerated() {
                c.append(id: Int64(index + 1), instant: Self.start + Int64(index) * Self.halfDay, amountMinor: amount,
                         category: 0, home: (.nan, .nan), merchant: (.nan, .nan), label: 0)
            }
            c.endClient("C")
            return c
        }
        let rules = RuleSet(prior: RuleTestData.prior(), enabled: [.unusualAmount, .amountRun])
        let small = rules.hits(client: 0, of: columns(scale: 1)), large = rules.hits(client: 0, of: columns(scale: 10))
        #expect(small.filter { $0.detector == .unusualAmount }.map(\.row) == [60, 62])
        let run = small.filter { $0.detector == .amountRun }
        // After one jump, one in the week is not improbable enough (P ≈ 0.14 at the client's rate); after two, the
        // $25 charge is (P ≈ 0.026).
        #expect(run.map(\.row) == [63])
        #expect(run.allSatisfy { $0.score > 0 && $0.score <= 1 })
        #expect(large.map(\.row) == small.map(\.row) && large.map(\.detector) == small.map(\.detector))
        #expect(zip(large, small).allSatisfy { abs($0.score - $1.score) < 1e-12 })
        // Without the amount rule's hits the run is still judged by its limit.
        let alone = RuleSet(prior: RuleTestData.prior(), enabled: [.amountRun]).hits(client: 0, of: columns(scale: 1))
        #expect(alone == run)
    }
}

@Suite struct LeadEvidenceTests {
    let composer = EvidenceComposer(ensemble: Ensemble(weights: [.unusualAmount: 0.5, .impossibleTravel: 1.0, .amountRun: 3.0]),
                                    scales: [:], spree: Spree(hours: 48, weight: 1, floor: log(2), context: 1),
                                    neighbourCount: 20)

    /// A lead draws a quiet transaction towards the floor as the spree's context does, and never past it.
    @Test func aLeadLiftsTowardsTheFloorAndNeverPast() {
        let own = 0.5 * 0.4, lead = 3.0 * 0.5
        let gap = log(2) - own
        #expect(composer.evidence([.unusualAmount: 0.4, .amountRun: 0.5]) == log(2) - gap * exp(-lead / gap))
        #expect(composer.evidence([.unusualAmount: 0.4]) == own)
        let strongest = composer.evidence([.unusualAmount: 0.4, .amountRun: 1])
        #expect(strongest < log(2) && Ensemble.score(evidence: strongest) < 0.5, "an alert is never raised by a lead")
        #expect(composer.lifted(own, lead: 1e300) == composer.spree.contextCeiling)
        // Above the floor, it adds nothing: an alert's score is its detectors' own.
        #expect(composer.evidence([.unusualAmount: 1, .impossibleTravel: 1, .amountRun: 1]) == 1.5)
    }

    /// The lead's reason carries the lift it gave, so the contributions still add up to the evidence.
    @Test func aLeadsContributionIsItsLift() throws {
        let parts: DetectorScores = [.unusualAmount: 0.4, .amountRun: 0.5]
        let hits = [RuleHit(row: 0, detector: .unusualAmount, score: 0.4, reason: "amount"),
                    RuleHit(row: 0, detector: .amountRun, score: 0.5, reason: "run")]
        let reasons = composer.reasons(parts: parts, raw: DetectorScores(), hits: hits, spree: nil)
        #expect(reasons.map(\.detector) == ["amount_run", "unusual_amount"])
        let lift = try #require(reasons.first).contribution
        #expect(lift == composer.evidence(parts) - 0.2 && reasons[1].contribution == 0.2)
        let above = composer.reasons(parts: [.unusualAmount: 1, .impossibleTravel: 1, .amountRun: 1], raw: DetectorScores(),
                                     hits: [RuleHit(row: 0, detector: .unusualAmount, score: 1, reason: "amount"),
                                            RuleHit(row: 0, detector: .impossibleTravel, score: 1, reason: "travel"),
                                            RuleHit(row: 0, detector: .amountRun, score: 1, reason: "run")], spree: nil)
        #expect(above.map(\.detector) == ["impossible_travel", "unusual_amount"], "a lead adds nothing to an alert")
    }
}
