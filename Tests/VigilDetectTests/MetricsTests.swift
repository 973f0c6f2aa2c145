import Testing
@testable import VigilDetect

/// Scores 0.9, 0.8, 0.8, 0.3, 0.1 with frauds at rows 0, 2 and 4: a tie between a fraud and a normal row at 0.8.
@Suite struct MetricsTests {
    static let scores = [0.9, 0.8, 0.8, 0.3, 0.1]
    static let labels = [true, false, true, false, true]

    /// Fraud–normal pairs: 0.9 beats both normals (2), 0.8 ties one and beats one (1.5), 0.1 beats none: 3.5 of 6.
    @Test func rocAUCCountsTiedPairsAsHalf() {
        #expect(Metrics.rocAUC(scores: Self.scores, labels: Self.labels) == 3.5 / 6)
        #expect(Metrics.rocAUC(scores: [1, 1, 1, 1], labels: [true, false, false, true]) == 0.5)
        #expect(Metrics.rocAUC(scores: [3, 2, 1], labels: [true, true, false]) == 1)
        #expect(Metrics.rocAUC(scores: [3, 2, 1], labels: [false, true, true]) == 0)
    }

    /// Thresholds 0.9, 0.8, 0.3, 0.1 give (recall, precision) (1/3, 1), (2/3, 2/3), (2/3, 2/4), (1, 3/5):
    /// AP = 1/3 · 1 + 1/3 · 2/3 + 0 + 1/3 · 3/5 = 34/45.
    @Test func averagePrecisionStepsOverDistinctThresholds() {
        #expect(isClose(Metrics.averagePrecision(scores: Self.scores, labels: Self.labels)!, 34.0 / 45))
        // All tied: one threshold, precision 2/4 at recall 1.
        #expect(Metrics.averagePrecision(scores: [1, 1, 1, 1], labels: [true, false, false, true]) == 0.5)
        #expect(Metrics.averagePrecision(scores: [4, 3, 2, 1], labels: [true, true, false, false]) == 1)
    }

    @Test func precisionAtKBreaksTiesByRowOrder() {
        let precision = { (k: Int) in Metrics.precision(atTop: k, scores: Self.scores, labels: Self.labels) }
        #expect(precision(1) == 1)
        // Rows 1 and 2 tie at 0.8; row 1 (normal) comes first.
        #expect(precision(2) == 0.5)
        #expect(precision(3) == 2.0 / 3)
        #expect(precision(10) == 3.0 / 5)
        #expect(precision(0) == nil)
    }

    @Test func recallAtAlertRateFlagsTheCeilingOfRateTimesRows() {
        let recall = { (rate: Double) in Metrics.recall(atAlertRate: rate, scores: Self.scores, labels: Self.labels) }
        #expect(recall(0) == 0)
        #expect(recall(0.4) == 1.0 / 3)  // 2 rows
        #expect(recall(0.5) == 2.0 / 3)  // ⌈2.5⌉ = 3 rows
        #expect(recall(1) == 1)
        #expect(Metrics.alertCount(rate: 0.07, rowCount: 100) == 7)
        #expect(Metrics.alertCount(rate: 0.071, rowCount: 100) == 8)
        #expect(Metrics.alertCount(rate: 0.001, rowCount: 10) == 1)
    }

    /// The flagged rows are the ones `recall(atAlertRate:)` counts: the top ⌈rate · n⌉, a tie cut in row order.
    @Test func flaggedRowsAreTheTopRowsThatRecallCounts() {
        let flagged = { (rate: Double) in Array(Metrics.flaggedRows(atAlertRate: rate, scores: Self.scores, labels: Self.labels)) }
        #expect(flagged(0) == [])
        #expect(flagged(0.4) == [0, 1])  // 0.8 ties rows 1 and 2: row 1 first
        #expect(flagged(0.5) == [0, 1, 2])
        #expect(flagged(1) == [0, 1, 2, 3, 4])
        for rate in [0.2, 0.4, 0.6, 0.8] {
            let found = flagged(rate).count { Self.labels[$0] }
            #expect(Metrics.recall(atAlertRate: rate, scores: Self.scores, labels: Self.labels) == Double(found) / 3)
        }
    }

    @Test func undefinedMetricsAreNil() {
        let noFraud = [false, false, false]
        let allFraud = [true, true, true]
        let scores = [0.3, 0.2, 0.1]
        #expect(Metrics.rocAUC(scores: scores, labels: noFraud) == nil)
        #expect(Metrics.rocAUC(scores: scores, labels: allFraud) == nil)
        #expect(Metrics.averagePrecision(scores: scores, labels: noFraud) == nil)
        #expect(Metrics.averagePrecision(scores: scores, labels: allFraud) == 1)
        #expect(Metrics.recall(atAlertRate: 0.5, scores: scores, labels: noFraud) == nil)
        #expect(Metrics.precision(atTop: 2, scores: scores, labels: noFraud) == 0)
        #expect(Metrics.rocAUC(scores: [], labels: []) == nil)
        #expect(Metrics.averagePrecision(scores: [], labels: []) == nil)
        #expect(Metrics.precision(atTop: 1, scores: [], labels: []) == nil)
        #expect(Metrics.recall(atAlertRate: 0.1, scores: [], labels: []) == nil)
    }
}
