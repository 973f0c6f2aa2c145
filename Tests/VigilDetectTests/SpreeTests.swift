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
        // A third: the largest earlier evidence counts, and only the detectors' own evidence is remembered.
        let third = spree.step(&state, instant: 5 * hour, evidence: 3.0, key: 3)
        #expect(third?.boost == 2.0 && third?.after.key == 1)
    }

    @Test func anOrdinaryTransactionGainsNothingAndOldOnesAreForgotten() {
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
        let (boosted, after) = spree.apply(evidence: evidence, instants: instants, clientStarts: [0, 3, 5])
        #expect(boosted == [2.0, 2.0, 1.0, 3.0, 2.0])
        #expect(after == [-1, 0, 0, -1, 3])
    }

    @Test func theReasonQuotesTheGapAndTheEarlierScore() {
        let earlier = Spree.Earlier(instant: 0, evidence: Ensemble.evidence(score: 0.93), key: 81234)
        #expect(Spree.reason(after: earlier, instant: 8640, transactionID: 81234)
            == "2.4 h after transaction #81234 on this card, which scored 0.93 on its own")
        #expect(Spree.reason(after: earlier, instant: 600, transactionID: 7).hasPrefix("10 min after transaction #7"))
    }
}
