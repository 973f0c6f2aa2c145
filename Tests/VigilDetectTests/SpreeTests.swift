import Foundation
import Testing
@testable import VigilDetect

@Suite struct SpreeTests {
    let spree = Spree(hours: 48, weight: 1, floor: 0)
    let hour: Int64 = 3600

    @Test func aSuspiciousTransactionAfterAnotherGainsTheSmallerEvidence() {
        var state = Spree.State()
        #expect(spree.step(&state, instant: 0, evidence: 2.0, key: 1) == nil, "nothing earlier")
        let finding = spree.step(&state, instant: 3 * hour, evidence: 0.5, key: 2)
        #expect(finding?.boost == 0.5, "min(own 0.5, earlier 2.0)")
        #expect(finding?.after == Spree.Earlier(instant: 0, evidence: 2.0, key: 1))
        #expect(finding?.earlier == 1 && finding?.aboveFloor == true)
        // A third gains from each earlier one: min(3, 2) + min(3, 0.5), and only the detectors' own evidence is
        // remembered (the second's boosted 1.0 is not). The reason quotes the most suspicious.
        let third = spree.step(&state, instant: 5 * hour, evidence: 3.0, key: 3)
        #expect(third?.boost == 2.5 && third?.after.key == 1 && third?.earlier == 2)
    }

    /// Every earlier suspicious transaction adds at most the transaction's own excess, up to `most` of them, the most
    /// suspicious: a card used four times suspiciously in a day outranks one used twice, and a client busy all day
    /// does not gain without bound.
    @Test func moreSuspiciousTransactionsBeforeMeanMoreEvidenceUpToACap() {
        var two = Spree.State(), five = Spree.State()
        _ = spree.step(&two, instant: 0, evidence: 1.5, key: 1)
        for (i, evidence) in [0.2, 1.5, 0.4, 1.5, 0.3].enumerated() {
            _ = spree.step(&five, instant: Int64(i) * hour, evidence: evidence, key: Int64(i))
        }
        let afterOne = spree.step(&two, instant: 6 * hour, evidence: 1.0, key: 9)
        #expect(afterOne?.boost == 1.0)
        // The three largest of the five: min(1, 1.5) + min(1, 1.5) + min(1, 0.4).
        let afterFive = spree.step(&five, instant: 6 * hour, evidence: 1.0, key: 9)
        #expect(afterFive?.boost == 2.4 && afterFive?.earlier == 5)
        var all = Spree.State()
        let uncapped = Spree(hours: 48, weight: 1, floor: 0, most: 10)
        for (i, evidence) in [0.2, 1.5, 0.4, 1.5, 0.3].enumerated() {
            _ = uncapped.step(&all, instant: Int64(i) * hour, evidence: evidence, key: Int64(i))
        }
        #expect(abs((uncapped.step(&all, instant: 6 * hour, evidence: 1.0, key: 9)?.boost ?? 0) - 2.9) < 1e-12)
    }

    @Test func anOrdinaryTransactionGainsNothingAndOldOnesAreForgotten() {
        let spree = Spree(hours: 48, weight: 1, floor: 0, context: 1)
        var state = Spree.State()
        _ = spree.step(&state, instant: 0, evidence: 4.0, key: 1)
        #expect(spree.step(&state, instant: hour, evidence: 0, key: 2) == nil, "no evidence of its own")
        // 48 h exactly still counts; a second later it does not, and it is forgotten.
        #expect(spree.step(&state, instant: 48 * hour, evidence: 1, key: 3)?.after.key == 1)
        var later = Spree.State()
        _ = spree.step(&later, instant: 0, evidence: 4.0, key: 1)
        #expect(spree.step(&later, instant: 48 * hour + 1, evidence: 1, key: 2) == nil)
        #expect(later.recent.map(\.key) == [2])
    }

    @Test func offMeansNoBoostAndWeightScales() {
        var state = Spree.State()
        let off = Spree(hours: 0, weight: 1, floor: 0)
        _ = off.step(&state, instant: 0, evidence: 4, key: 1)
        #expect(off.step(&state, instant: 1, evidence: 4, key: 2) == nil && state.recent.isEmpty)
        var half = Spree.State()
        let weak = Spree(hours: 24, weight: 0.5, floor: 0)
        _ = weak.step(&half, instant: 0, evidence: 4, key: 1)
        #expect(weak.step(&half, instant: 60, evidence: 3, key: 2)?.boost == 1.5)
    }

    /// Only evidence beyond the floor (the alert threshold's) takes part: below it a transaction neither gains nor
    /// makes a later one gain, and the gain is the smaller excess.
    @Test func onlyEvidenceBeyondTheFloorCounts() {
        let floored = Spree(hours: 48, weight: 1, floor: 0.7)
        var state = Spree.State()
        _ = floored.step(&state, instant: 0, evidence: 0.6, key: 1)
        #expect(floored.step(&state, instant: hour, evidence: 2.0, key: 2) == nil, "the earlier one is below the floor")
        #expect(floored.step(&state, instant: 2 * hour, evidence: 0.69, key: 3) == nil, "this one is below the floor")
        let finding = floored.step(&state, instant: 3 * hour, evidence: 1.0, key: 4)
        #expect(finding?.after.key == 2)
        #expect(abs((finding?.boost ?? 0) - 0.3) < 1e-12, "min(1.0 − 0.7, 2.0 − 0.7)")
    }

    @Test func ofEqualEarlierEvidencesTheLatestIsQuoted() {
        var state = Spree.State()
        _ = spree.step(&state, instant: 0, evidence: 1, key: 1)
        _ = spree.step(&state, instant: hour, evidence: 1, key: 2)
        #expect(spree.step(&state, instant: 2 * hour, evidence: 1, key: 3)?.after.key == 2)
    }

    /// The batch form over clients' rows equals stepping each client's rows one by one, and never crosses clients.
    @Test func applyStepsEachClientSeparately() {
        let evidence = [2.0, 1.0, 0.5, 3.0, 1.0]
        let instants: [Int64] = [0, hour, 2 * hour, 0, hour]
        let (boosted, after, earlier) = spree.apply(evidence: evidence, instants: instants, clientStarts: [0, 3, 5])
        #expect(boosted == [2.0, 2.0, 1.5, 3.0, 2.0], "the third: min(0.5, 2) + min(0.5, 1)")
        #expect(after == [-1, 0, 0, -1, 3])
        #expect(earlier == [0, 1, 2, 0, 1])
    }

    @Test func theReasonQuotesTheGapAndTheEarlierScore() {
        let earlier = Spree.Earlier(instant: 0, evidence: Ensemble.evidence(score: 0.93), key: 81234)
        #expect(Spree.reason(after: earlier, instant: 8640, transactionID: 81234)
            == "2.4 h after transaction #81234 on this card, which scored 0.93 on its own")
        #expect(Spree.reason(after: earlier, instant: 600, transactionID: 7).hasPrefix("10 min after transaction #7"))
        #expect(Spree.reason(after: earlier, instant: 8640, transactionID: 81234, count: 3, windowHours: 48)
            == "2.4 h after transaction #81234 on this card, which scored 0.93 on its own; "
            + "3 suspicious transactions on this card in the 48 h before")
    }

    /// Below the floor, a transaction after a suspicious one is drawn towards the floor and never reaches it, so the
    /// spree never makes an alert; the more evidence of its own, the higher it ends; none of its own, no gain.
    @Test func theContextLiftsQuietTransactionsBelowTheFloorOnly() {
        let floor = Ensemble.evidence(score: 0.5)
        let spree = Spree(hours: 48, weight: 1, floor: floor, context: 1)
        var state = Spree.State()
        #expect(spree.step(&state, instant: 0, evidence: 0.4, key: 1) == nil, "nothing suspicious earlier")
        _ = spree.step(&state, instant: hour, evidence: 3.0, key: 2)
        var lifted: [Double] = []
        for (i, own) in [0.0, 0.1, 0.3, 0.6, 0.69, floor - 1e-6].enumerated() {
            var copy = state
            let finding = spree.step(&copy, instant: 2 * hour, evidence: own, key: Int64(10 + i))
            #expect(copy == state, "a quiet transaction is never remembered")
            if own == 0 {
                #expect(finding == nil, "no evidence of its own, nothing to lift")
                continue
            }
            #expect(finding?.aboveFloor == false && finding?.after.key == 2)
            let total = own + (finding?.boost ?? 0)
            #expect(total > own && total < floor, "lifted, but not to the floor")
            #expect(Ensemble.score(evidence: total) < 0.5, "never an alert on the score's scale either")
            lifted.append(total)
        }
        #expect(lifted == lifted.sorted(), "the order of their own evidence is kept")
        #expect(Set(lifted.prefix(3)).count == 3, "strictly, until the pull reaches the ceiling just under the floor")
        // Off, or past the window: nothing.
        var off = Spree.State()
        let noContext = Spree(hours: 48, weight: 1, floor: floor, context: 0)
        _ = noContext.step(&off, instant: 0, evidence: 3.0, key: 1)
        #expect(noContext.step(&off, instant: hour, evidence: 0.5, key: 2) == nil)
        #expect(spree.step(&state, instant: 50 * hour, evidence: 0.5, key: 3) == nil)
    }

    /// The context's pull: `floor − gap × exp(−g / gap)`, g = context × min(own, earlier − floor).
    @Test func theContextGainFollowsItsFormula() {
        let spree = Spree(hours: 48, weight: 1, floor: 0.7, context: 1)
        let gap = 0.7 - 0.4
        let expected = (0.7 - gap * exp(-0.4 / gap)) - 0.4
        #expect(abs(spree.contextGain(own: 0.4, earlier: 2.0) - expected) < 1e-12, "g = min(0.4, 1.3)")
        let small = (0.7 - gap * exp(-0.1 / gap)) - 0.4
        #expect(abs(spree.contextGain(own: 0.4, earlier: 0.8) - small) < 1e-12, "g = min(0.4, 0.1)")
        let twice = Spree(hours: 48, weight: 1, floor: 0.7, context: 2)
        #expect(twice.contextGain(own: 0.4, earlier: 0.8) > small)
    }
}
