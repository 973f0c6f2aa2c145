import Foundation
import Testing
import VigilCore
@testable import VigilDetect

/// The one place a transaction's detector scores become its evidence and its reasons, for the scan and live scoring.
@Suite struct EvidenceComposerTests {
    /// Scores 1 ... 100 for every model: 100 ranks at the very top, 95 has 5 % above it, 85 has 15 %.
    static let scale = TailScale(fitting: (1...100).map(Double.init), tail: 0.2)
    let ensemble = Ensemble(weights: [.isolationForest: 0.5, .localOutlierFactor: 0.4, .lstm: 0.3,
                                      .impossibleTravel: 1, .unusualHour: 0.35, .overDailySpend: 0.6])
    var composer: EvidenceComposer {
        EvidenceComposer(ensemble: ensemble, scales: [.isolationForest: Self.scale, .localOutlierFactor: Self.scale, .lstm: Self.scale],
                         spree: Spree(hours: 48, weight: 1, floor: 0.69), neighbourCount: 20)
    }

    func hit(_ row: Int, _ detector: Detector, _ score: Double, _ reason: String = "") -> RuleHit {
        RuleHit(row: row, detector: detector, score: score, reason: reason)
    }

    @Test func modelsTakePartInDetectorOrderOnlyWithAScale() {
        let composer = EvidenceComposer(ensemble: ensemble, scales: [.lstm: Self.scale, .isolationForest: Self.scale, .burst: Self.scale],
                                        spree: Spree(hours: 0, weight: 0, floor: 0.69), neighbourCount: 20)
        #expect(composer.models.map(\.detector) == [.isolationForest, .lstm])
    }

    @Test func partsNormaliseModelsUnlessGivenAndKeepRuleScores() {
        let raw: DetectorScores = [.isolationForest: 95, .localOutlierFactor: 100, .lstm: 50]
        let parts = composer.parts(raw: raw, hits: [hit(0, .unusualHour, 0.7)], normalised: [.localOutlierFactor: 0.125])
        #expect(parts == [.isolationForest: Self.scale.normalise(95), .localOutlierFactor: 0.125, .lstm: 0, .unusualHour: 0.7])
        // A raw score of a model without a scale is not a part.
        let unscaled = EvidenceComposer(ensemble: ensemble, scales: [:], spree: composer.spree, neighbourCount: 20)
        #expect(unscaled.parts(raw: raw, hits: []) == DetectorScores())
    }

    @Test func evidenceIsTheWeightedSumInDetectorOrderAndTheScoreIsMonotone() {
        let parts: DetectorScores = [.overDailySpend: 0.5, .isolationForest: 0.5, .unusualHour: 1]
        let evidence = composer.evidence(parts)
        // Models first, then rules, each in detector order: the order the scan and live scoring both add in.
        var expected = 0.0
        expected += 0.5 * 0.5
        expected += 0.6 * 0.5
        expected += 0.35 * 1
        #expect(evidence == expected)
        let alone = composer.evidence([.isolationForest: 0.5])
        #expect(Ensemble.score(evidence: evidence) > Ensemble.score(evidence: alone), "two detectors agreeing outrank one")
        #expect(composer.evidence(DetectorScores()) == 0)
    }

    @Test func aDetectorWithoutWeightAddsNothing() {
        #expect(composer.evidence([.burst: 1, .cardTesting: 1]) == 0)
        #expect(composer.evidence([.burst: 1, .impossibleTravel: 0.25]) == 0.25)
    }

    @Test func aScansRowsGetTheEvidenceOfEachRowsParts() {
        let dense: [Detector: [Double]] = [.isolationForest: [0, 0.5, 1, 0.3], .localOutlierFactor: [0.1, 0, 0.7, 0.9]]
        let hits = [hit(1, .unusualHour, 1), hit(1, .overDailySpend, 0.5), hit(3, .impossibleTravel, 0.8)]
        let evidence = composer.evidence(rowCount: 4, normalised: dense, hits: hits)
        let perRow = (0 ..< 4).map { row -> Double in
            var parts = DetectorScores()
            for (detector, scores) in dense { parts[detector] = scores[row] }
            for hit in hits where hit.row == row { parts[hit.detector] = hit.score }
            return composer.evidence(parts)
        }
        #expect(evidence == perRow)
        #expect(evidence[0] == 0.4 * 0.1)
        // Hits out of row order give the same numbers.
        #expect(composer.evidence(rowCount: 4, normalised: dense, hits: Array(hits.reversed())) == evidence)
    }

    @Test func reasonsAreRulesModelsInTheirTopTenthAndTheSpreeByContribution() {
        let raw: DetectorScores = [.isolationForest: 100, .localOutlierFactor: 95, .lstm: 85]
        let hits = [hit(0, .impossibleTravel, 0.005, "too small to read"), hit(0, .unusualHour, 1, "at 03:12, an hour the client never uses")]
        let parts = composer.parts(raw: raw, hits: hits)
        let after = Spree.Earlier(instant: 1_000, evidence: 2, key: 42)
        let spree = EvidenceComposer.SpreePart(after: after, count: 1, own: 1.2, boosted: 1.7, instant: 1_000 + 7_200)
        let reasons = composer.reasons(parts: parts, raw: raw, hits: hits, spree: spree)
        let lof = Self.scale.normalise(95)
        #expect(reasons == [
            AlertReason(detector: "iforest", score: 1, contribution: 0.5,
                        text: "Isolation Forest: easier to isolate than 99.99 % of transactions (anomaly score 100.000)"),
            AlertReason(detector: "spree", score: Ensemble.score(evidence: 2), contribution: 1.7 - 1.2,
                        text: "2.0 h after transaction #42 on this card, which scored 0.86 on its own"),
            AlertReason(detector: "unusual_hour", score: 1, contribution: 0.35, text: "at 03:12, an hour the client never uses"),
            AlertReason(detector: "lof", score: lof, contribution: 0.4 * lof,
                        text: "Local Outlier Factor: its neighbourhood is 95.0× sparser than those of its 20 nearest "
                            + "transactions, more than 95.0 % of transactions"),
        ])
        // The LSTM ranks 85 with 15 % above it: outside its top tenth, it does not speak though its part is above 0.
        #expect(parts[.lstm]! > 0)
    }

    @Test func aModelMayWordItsOwnReasonFromItsPercentile() {
        let raw: DetectorScores = [.lstm: 100, .isolationForest: 95]
        var asked: [Detector] = []
        let reasons = composer.reasons(parts: composer.parts(raw: raw, hits: []), raw: raw, hits: [], spree: nil) { detector, share in
            asked.append(detector)
            return detector == .lstm ? "expected groceries, got travel (\(share))" : nil
        }
        #expect(asked == [.isolationForest, .lstm])
        #expect(reasons.map(\.text) == ["Isolation Forest: easier to isolate than 95.0 % of transactions (anomaly score 95.000)",
                                        "expected groceries, got travel (99.99)"])
        #expect(composer.modelReason(.lstm, raw: 100, scale: Self.scale)
            == "LSTM: less likely after the client's earlier transactions than 99.99 % of transactions (NLL 100.0)")
    }

    @Test func equalContributionsAreOrderedByDetectorName() {
        let hits = [hit(0, .impossibleTravel, 0.35, "far"), hit(0, .unusualHour, 1, "late")]
        let reasons = composer.reasons(parts: composer.parts(raw: DetectorScores(), hits: hits), raw: DetectorScores(), hits: Array(hits.reversed()),
                                       spree: nil)
        #expect(reasons.map(\.detector) == ["impossible_travel", "unusual_hour"])
    }
}
