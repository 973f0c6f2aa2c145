/// How well suspicion scores rank known frauds, for evaluating detectors against labelled data.
///
/// Scores are "higher = more suspicious"; labels are `true` for a fraud (the positive class). Scores must not be NaN.
/// A metric that is undefined for the data (no frauds, no normal rows, no rows) is `nil`.
public enum Metrics {
    /// Area under the ROC curve: the probability that a random fraud scores above a random normal row, tied pairs
    /// counting one half (the Mann–Whitney statistic). Equals scikit-learn's `roc_auc_score`.
    /// `nil` without at least one fraud and one normal row.
    public static func rocAUC(scores: [Double], labels: [Bool]) -> Double? {
        let groups = tieGroups(scores: scores, labels: labels)
        let positives = groups.reduce(0) { $0 + $1.positives }
        let negatives = groups.reduce(0) { $0 + $1.negatives }
        guard positives > 0, negatives > 0 else { return nil }
        // Counting pairs exactly in integers, then dividing once, avoids the trapezoid sums' rounding.
        var negativesAbove = 0
        var doubledConcordantPairs = 0
        for group in groups {
            let negativesBelow = negatives - negativesAbove - group.negatives
            doubledConcordantPairs += group.positives * (2 * negativesBelow + group.negatives)
            negativesAbove += group.negatives
        }
        return Double(doubledConcordantPairs) / (2 * Double(positives) * Double(negatives))
    }

    /// Average precision: Σₙ (Rₙ − Rₙ₋₁) · Pₙ over the distinct score thresholds from highest to lowest, where Pₙ and
    /// Rₙ are the precision and recall of flagging every row scoring at least the n-th threshold (rows with equal
    /// scores are flagged together) and R₀ = 0. Equals scikit-learn's `average_precision_score` (no interpolation).
    /// `nil` without a fraud; 1 when every row is a fraud.
    public static func averagePrecision(scores: [Double], labels: [Bool]) -> Double? {
        let groups = tieGroups(scores: scores, labels: labels)
        let positives = groups.reduce(0) { $0 + $1.positives }
        guard positives > 0 else { return nil }
        var truePositives = 0
        var flagged = 0
        var sum = 0.0
        for group in groups {
            truePositives += group.positives
            flagged += group.positives + group.negatives
            if group.positives > 0 {
                sum += Double(group.positives) / Double(positives) * (Double(truePositives) / Double(flagged))
            }
        }
        return sum
    }

    /// The fraction of frauds among the `k` highest-scoring rows (all rows if there are fewer than `k`).
    ///
    /// Rows with equal scores are ranked by row order, the earlier row first, so the answer is deterministic even
    /// when a tie straddles the cut; that order is arbitrary, so ties at the cut should be rare for this to be fair.
    /// `nil` when `k` is less than 1 or there are no rows.
    public static func precision(atTop k: Int, scores: [Double], labels: [Bool]) -> Double? {
        guard k >= 1, !scores.isEmpty else { return nil }
        let top = ranking(scores: scores, labels: labels).prefix(k)
        return Double(top.count { labels[$0] }) / Double(top.count)
    }

    /// The fraction of all frauds found among the top ⌈rate · n⌉ rows when a fraction `rate` (0…1) of the n rows is
    /// flagged for review, ranked as in `precision(atTop:)`. A product `rate · n` within 10⁻⁹ (relative) of an
    /// integer counts as that integer, so that 0.07 × 100 flags 7 rows rather than 8 because of binary rounding.
    /// `nil` without a fraud.
    public static func recall(atAlertRate rate: Double, scores: [Double], labels: [Bool]) -> Double? {
        precondition((0 ... 1).contains(rate), "an alert rate is a fraction between 0 and 1, got \(rate)")
        let positives = labels.count { $0 }
        guard positives > 0 else { return nil }
        let found = flaggedRows(atAlertRate: rate, scores: scores, labels: labels).count { labels[$0] }
        return Double(found) / Double(positives)
    }

    /// The rows flagged when a fraction `rate` (0…1) of them is alerted: the top ⌈rate · n⌉, ranked and counted as
    /// in `recall(atAlertRate:)`, so that a breakdown of those rows (by kind of fraud, say) adds up to that recall.
    public static func flaggedRows(atAlertRate rate: Double, scores: [Double], labels: [Bool]) -> ArraySlice<Int> {
        precondition((0 ... 1).contains(rate), "an alert rate is a fraction between 0 and 1, got \(rate)")
        return ranking(scores: scores, labels: labels).prefix(alertCount(rate: rate, rowCount: scores.count))
    }

    /// ⌈rate · rowCount⌉, forgiving binary rounding just above an integer.
    static func alertCount(rate: Double, rowCount: Int) -> Int {
        let exact = rate * Double(rowCount)
        let nearest = exact.rounded()
        let count = abs(exact - nearest) <= 1e-9 * max(1, exact) ? nearest : exact.rounded(.up)
        return min(rowCount, Int(count))
    }

    /// Row indices from the highest score to the lowest, equal scores in row order.
    static func ranking(scores: [Double], labels: [Bool]) -> [Int] {
        validate(scores: scores, labels: labels)
        return scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    }

    /// Frauds and normal rows at each distinct score, from the highest score to the lowest.
    static func tieGroups(scores: [Double], labels: [Bool]) -> [(positives: Int, negatives: Int)] {
        validate(scores: scores, labels: labels)
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var groups: [(positives: Int, negatives: Int)] = []
        var previous: Double?
        for row in order {
            if scores[row] != previous {
                groups.append((0, 0))
                previous = scores[row]
            }
            if labels[row] { groups[groups.count - 1].positives += 1 } else { groups[groups.count - 1].negatives += 1 }
        }
        return groups
    }

    private static func validate(scores: [Double], labels: [Bool]) {
        precondition(scores.count == labels.count, "\(scores.count) scores but \(labels.count) labels")
        precondition(!scores.contains { $0.isNaN }, "scores must not be NaN")
    }
}
