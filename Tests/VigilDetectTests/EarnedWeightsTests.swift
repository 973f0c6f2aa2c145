import Foundation
import Testing
@testable import VigilDetect

/// Each detector earns the share of its weight that its top tail's agreement with the other detectors' evidence
/// supports, without labels.
@Suite struct EarnedWeightsTests {
    static let rows = 200_000
    /// The rows a fraud episode touched: every detector with signal ranks them high.
    static let fraud = Array(stride(from: 7, to: rows, by: 97))
    let ensemble = Ensemble(weights: [.isolationForest: 0.25, .localOutlierFactor: 0.25, .unusualAmount: 0.3,
                                      .overDailySpend: 0.5, .unusualHour: 0.3, .impossibleTravel: 1])

    /// A model's scores: uniform noise, plus (when it has signal) the fraud rows at the top.
    static func model(signal: Bool, seed: UInt64) -> [Double] {
        var random = SeededRandom(seed: seed)
        var scores = (0 ..< rows).map { _ in random.nextUnitDouble() * 0.9 }
        if signal { for row in fraud { scores[row] = 0.95 + random.nextUnitDouble() * 0.05 } }
        return scores
    }

    /// A rule's hits on `rows`, scores in [0.5, 1) varying with the row.
    static func hits(_ detector: Detector, rows: [Int]) -> [RuleHit] {
        rows.map { RuleHit(row: $0, detector: detector, score: 0.5 + Double($0 % 1_000) / 2_000, reason: "") }
    }

    /// Rules with signal (on the fraud rows, plus a little noise each), LOF with signal, Isolation Forest and an
    /// hour rule that fire on rows unrelated to the fraud.
    var columns: [Detector: EarnedWeights.Column] {
        let amountHits = Self.hits(.unusualAmount, rows: Self.fraud + Array(stride(from: 11, to: Self.rows, by: 1_001)))
        let spendHits = Self.hits(.overDailySpend, rows: Self.fraud.filter { $0 % 2 == 1 } + Array(stride(from: 13, to: Self.rows, by: 733)))
        let hourHits = Self.hits(.unusualHour, rows: Array(stride(from: 3, to: Self.rows, by: 41)))
        return EarnedWeights.columns(dense: [.isolationForest: Self.model(signal: false, seed: 1),
                                             .localOutlierFactor: Self.model(signal: true, seed: 2)],
                                     hits: (amountHits + spendHits + hourHits).sorted { $0.row < $1.row })
    }

    @Test func detectorsThatAgreeBeyondChanceKeepTheirWeightAndNoiseLosesIt() {
        let earned = EarnedWeights.fit(rowCount: Self.rows, columns: columns, ensemble: ensemble)
        #expect(earned.fits.map(\.detector) == [.isolationForest, .localOutlierFactor, .unusualAmount, .overDailySpend, .unusualHour])
        #expect(earned.share(.localOutlierFactor) == 1 && earned.share(.unusualAmount) == 1 && earned.share(.overDailySpend) == 1)
        #expect(earned.share(.isolationForest) < 0.25, "noise that ranks every row")
        #expect(earned.share(.unusualHour) < 0.25, "a rule firing on ordinary rows")
        // The numbers behind a share: its top 1 % (2,000 rows), how many of them the rules' top 1 % holds, the lift.
        let lof = earned.fits[1]
        #expect(lof.tail == 2_000 && lof.reference >= 2_000 && lof.agreeing >= 1_000)
        #expect(abs(lof.lift - (Double(lof.agreeing) + 10) / (Double(lof.tail * lof.reference) / Double(Self.rows) + 1)) < 1e-12)
        // A detector that never ran is not judged and keeps its weight.
        #expect(earned.share(.impossibleTravel) == 1)
    }

    @Test func aModelIsJudgedByTheRulesNotByAnotherModel() {
        // Two models agreeing with each other on rows no rule finds suspicious vouch for nothing.
        var random = SeededRandom(seed: 9)
        let shared = (0 ..< Self.rows).map { _ in random.nextUnitDouble() }
        let columns = EarnedWeights.columns(dense: [.isolationForest: shared, .localOutlierFactor: shared.map { $0 * 0.5 }],
                                            hits: Self.hits(.unusualAmount, rows: Self.fraud))
        let earned = EarnedWeights.fit(rowCount: Self.rows, columns: columns, ensemble: ensemble)
        #expect(earned.share(.isolationForest) < 0.25 && earned.share(.localOutlierFactor) < 0.25)
        // The rule is judged by the models, which find nothing in its rows either.
        #expect(earned.share(.unusualAmount) < 0.25)
    }

    @Test func aRuleThatFiredAFewTimesKeepsMostOfItsWeight() {
        var columns = columns
        columns[.impossibleTravel] = EarnedWeights.Column(rows: [100, 50_000, 90_000], values: [1, 1, 1])
        let earned = EarnedWeights.fit(rowCount: Self.rows, columns: columns, ensemble: ensemble)
        let travel = earned.fits.first { $0.detector == .impossibleTravel }
        #expect(travel?.tail == 3 && travel?.agreeing == 0)
        #expect(earned.share(.impossibleTravel) > 0.9, "three rows can neither dilute nor be judged")
    }

    @Test func aDetectorAloneOrWithoutWeightIsNotJudged() {
        let alone = EarnedWeights.fit(rowCount: Self.rows, columns: [.isolationForest: .init(dense: Self.model(signal: false, seed: 3))],
                                      ensemble: ensemble)
        #expect(alone.fits.isEmpty && alone.share(.isolationForest) == 1)
        let unweighted = EarnedWeights.fit(rowCount: Self.rows, columns: columns,
                                           ensemble: Ensemble(weights: [.unusualAmount: 0.3, .overDailySpend: 0.5]))
        #expect(unweighted.fits.map(\.detector) == [.unusualAmount, .overDailySpend])
    }

    @Test func theFitIsDeterministicAndIgnoresTheOrderOfHits() {
        let first = EarnedWeights.fit(rowCount: Self.rows, columns: columns, ensemble: ensemble)
        let hits = Self.hits(.unusualAmount, rows: Self.fraud) + Self.hits(.overDailySpend, rows: Self.fraud)
        let shuffled = EarnedWeights.columns(dense: [:], hits: hits.reversed())
        let ordered = EarnedWeights.columns(dense: [:], hits: hits.sorted { $0.row < $1.row })
        #expect(first == EarnedWeights.fit(rowCount: Self.rows, columns: columns, ensemble: ensemble))
        #expect(EarnedWeights.fit(rowCount: Self.rows, columns: shuffled, ensemble: ensemble)
                == EarnedWeights.fit(rowCount: Self.rows, columns: ordered, ensemble: ensemble))
    }

    @Test func earnedWeightsScaleTheConfiguredOnesAndContributionsStillAddUp() throws {
        let earned = EarnedWeights.fit(rowCount: Self.rows, columns: columns, ensemble: ensemble)
        let applied = earned.applied(to: ensemble)
        for detector in Detector.allCases {
            #expect(applied.weight(detector) == ensemble.weight(detector) * earned.share(detector))
        }
        #expect(applied.weight(.unusualHour) < ensemble.weight(.unusualHour) && applied.weight(.unusualAmount) == 0.3)
        #expect(EarnedWeights.applying(earned.shares, to: ensemble) == applied)
        // An alert's reasons are each hit's weight times its score, and add up to its evidence.
        let composer = EvidenceComposer(ensemble: applied, scales: [:], spree: Spree(hours: 0, weight: 0, floor: 0.69), neighbourCount: 20)
        let hits = [RuleHit(row: 0, detector: .unusualAmount, score: 0.6, reason: "a"),
                    RuleHit(row: 0, detector: .overDailySpend, score: 0.9, reason: "b"),
                    RuleHit(row: 0, detector: .unusualHour, score: 1, reason: "c")]
        let parts = composer.parts(raw: DetectorScores(), hits: hits)
        let reasons = composer.reasons(parts: parts, raw: DetectorScores(), hits: hits, spree: nil)
        let total = reasons.reduce(0) { $0 + $1.contribution }
        #expect(reasons.count == 3 && abs(total - composer.evidence(parts)) < 1e-12)
    }

    @Test func selectionFindsTheKthLargestAsSortingDoes() {
        var random = SeededRandom(seed: 4)
        for count in [1, 2, 3, 10, 101, 1_000] {
            let values = (0 ..< count).map { _ in Double(random.nextInt(below: max(1, count / 3))) }
            let descending = values.sorted(by: >)
            for k in Set([1, 2, count / 2, count, count + 5]) where k >= 1 {
                var copy = values
                #expect(EarnedWeights.largest(k, of: &copy) == descending[min(k, count) - 1], "count \(count), k \(k)")
            }
        }
    }
}
