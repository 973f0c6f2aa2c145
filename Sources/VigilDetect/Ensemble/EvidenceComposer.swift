import Foundation
import VigilCore

/// Turns what the detectors found in one transaction into its evidence and, when it becomes an alert, its worded
/// reasons. The scan and live scoring both call it, so that a transaction gets the same number and the same words
/// from either, and a new detector is weighted and worded in one place.
public struct EvidenceComposer: Sendable {
    public let ensemble: Ensemble
    /// The models that take part, in detector order, each with the scale that puts its raw score on the ensemble's.
    public let models: [(detector: Detector, scale: TailScale)]
    public let spree: Spree
    /// How many neighbours LOF compares with, which its reason quotes.
    public let neighbourCount: Int
    /// Each detector's weight at its ordinal (0 where it has none, and for leads): read per transaction without hashing.
    private let weights: SIMD16<Double>
    /// The leads' weights at their ordinals (0 for every other detector).
    private let leadWeights: SIMD16<Double>

    /// A model speaks as an alert's reason only where it ranks the transaction this far into its upper tail (its
    /// top tenth); below that it is one voice among thousands and says nothing an analyst can use.
    public static let modelReasonShare = 0.1

    /// `scales` holds each model that takes part (other detectors in it are ignored).
    public init(ensemble: Ensemble, scales: [Detector: TailScale], spree: Spree, neighbourCount: Int) {
        self.ensemble = ensemble
        models = Detector.models.compactMap { detector in scales[detector].map { (detector, $0) } }
        self.spree = spree
        self.neighbourCount = neighbourCount
        var weights = SIMD16<Double>(), leadWeights = SIMD16<Double>()
        for detector in Detector.allCases {
            if detector.isLead { leadWeights[detector.ordinal] = ensemble.weight(detector) } else { weights[detector.ordinal] = ensemble.weight(detector) }
        }
        self.weights = weights
        self.leadWeights = leadWeights
    }

    /// The evidence an alert needs (the alert threshold's), which leads and the spree's context never reach.
    public var floor: Double { spree.floor }

    /// Each detector's part on the ensemble's scale: a model's raw score normalised by its scale (unless `normalised`
    /// already holds it, worked out over a batch), a rule's hit score as it is.
    public func parts(raw: DetectorScores, hits: [RuleHit], normalised given: DetectorScores = DetectorScores()) -> DetectorScores {
        var parts = DetectorScores()
        for (detector, scale) in models {
            guard let value = raw[detector] else { continue }
            parts[detector] = given[detector] ?? scale.normalise(value)
        }
        for hit in hits { parts[hit.detector] = hit.score }
        return parts
    }

    /// A transaction's evidence before any spree: each part times its detector's weight (those without weight left
    /// out), added in detector order, models then rules, and then the leads' pull (`lifted(_:lead:)`). The order is
    /// fixed so that every caller gets the same bits.
    public func evidence(_ parts: DetectorScores) -> Double {
        lifted(parts.weightedSum(weights), lead: parts.weightedSum(leadWeights))
    }

    /// Evidence `own` drawn towards the floor by a lead's weighted score `lead`, as the spree's context draws it:
    /// `floor − gap × exp(−lead / gap)` with `gap = floor − own`, never past `spree.contextCeiling`; evidence at or
    /// above the floor is left as it is. So a lead orders transactions below the alert threshold (of two with the same
    /// evidence of their own, the one it points at ranks higher) and never raises or strengthens an alert.
    public func lifted(_ own: Double, lead: Double) -> Double {
        let gap = floor - own
        guard gap > 0, lead > 0 else { return own }
        return max(own, min(spree.contextCeiling, floor - gap * exp(-lead / gap)))
    }

    /// `evidence(_:)` of each of a scan's `rowCount` rows: `normalised` holds every model's part for every row, `hits`
    /// the rules' hits (in row order as `RuleSet` gives them; sorted here otherwise).
    public func evidence(rowCount: Int, normalised: [Detector: [Double]], hits: [RuleHit]) -> [Double] {
        let columns = models.compactMap { model in normalised[model.detector].map { (model.detector, $0) } }
        for (detector, scores) in columns { precondition(scores.count == rowCount, "\(detector.rawValue): one score per row") }
        let inOrder = zip(hits, hits.dropFirst()).allSatisfy { $0.row <= $1.row }
        let hits = inOrder ? hits : hits.sorted { $0.row < $1.row }
        var next = 0
        return (0 ..< rowCount).map { row in
            var parts = DetectorScores()
            for (detector, scores) in columns { parts[detector] = scores[row] }
            while next < hits.count && hits[next].row == row {
                parts[hits[next].detector] = hits[next].score
                next += 1
            }
            return evidence(parts)
        }
    }

    /// What a spree added to a transaction, as its reason quotes it.
    public struct SpreePart: Sendable, Equatable {
        /// The most suspicious earlier transaction it follows, keyed by its transaction id.
        public var after: Spree.Earlier
        /// How many suspicious transactions of the client's it follows within the window.
        public var count: Int
        /// The transaction's evidence before the spree, and with it.
        public var own: Double
        public var boosted: Double
        public var instant: Int64

        public init(after: Spree.Earlier, count: Int, own: Double, boosted: Double, instant: Int64) {
            self.after = after
            self.count = count
            self.own = own
            self.boosted = boosted
            self.instant = instant
        }
    }

    /// An alert's reasons, by contribution (largest first, ties by detector name): each rule hit, each model that
    /// ranks the transaction in its top tenth, and the spree. `parts` and `raw` are the transaction's (`parts(...)`);
    /// `modelText` may word a model's reason itself from the model's own view of the transaction (the LSTM's
    /// prediction), given its percentile; where it gives nil the model's standing is worded here.
    public func reasons(parts: DetectorScores, raw: DetectorScores, hits: [RuleHit], spree spreePart: SpreePart?,
                        modelText: (Detector, _ percentile: String) -> String? = { _, _ in nil }) -> [AlertReason] {
        var reasons: [AlertReason] = []
        // The leads' part is the lift they gave, shared among them by weighted score.
        let own = parts.weightedSum(weights), lead = parts.weightedSum(leadWeights)
        let lift = lifted(own, lead: lead) - own
        for hit in hits {
            let contribution = hit.detector.isLead
                ? (lead > 0 ? lift * ensemble.contribution(of: hit.detector, score: hit.score) / lead : 0)
                : ensemble.contribution(of: hit.detector, score: hit.score)
            reasons.append(AlertReason(detector: hit.detector.rawValue, score: hit.score, contribution: contribution, text: hit.reason))
        }
        for (detector, scale) in models {
            guard let normalised = parts[detector], normalised > 0, let value = raw[detector],
                  scale.exceedance(value) <= Self.modelReasonShare else { continue }
            let text = modelText(detector, Self.percentile(scale, value)) ?? modelReason(detector, raw: value, scale: scale)
            reasons.append(AlertReason(detector: detector.rawValue, score: normalised,
                                       contribution: ensemble.contribution(of: detector, score: normalised), text: text))
        }
        if let spreePart { reasons.append(spreeReason(spreePart)) }
        // A reason that adds under 0.01 of evidence is noise to the reader.
        reasons = reasons.filter { $0.contribution >= 0.01 }
        reasons.sort { $0.contribution != $1.contribution ? $0.contribution > $1.contribution : $0.detector < $1.detector }
        return reasons
    }

    /// How a raw score ranks among all transactions, as a percentage ("98.2", "99.95"); the very top reads as 99.99,
    /// since "more than 100 %" would be false.
    public static func percentile(_ scale: TailScale, _ raw: Double) -> String {
        let share = min(0.9999, 1 - scale.exceedance(raw))
        return share >= 0.99 ? String(format: "%.2f", share * 100) : String(format: "%.1f", share * 100)
    }

    /// What a model's score means, in words: how it ranks among all transactions.
    public func modelReason(_ detector: Detector, raw: Double, scale: TailScale) -> String {
        let percent = Self.percentile(scale, raw)
        switch detector {
        case .isolationForest:
            return "Isolation Forest: easier to isolate than \(percent) % of transactions (anomaly score "
                + String(format: "%.3f", raw) + ")"
        case .lstm:
            return "LSTM: less likely after the client's earlier transactions than \(percent) % of transactions (NLL "
                + String(format: "%.1f", raw) + ")"
        default:
            return "Local Outlier Factor: its neighbourhood is " + String(format: "%.1f", raw) + "× sparser than those of its "
                + "\(neighbourCount) nearest transactions, more than \(percent) % of transactions"
        }
    }

    /// The spree's reason. Its contribution is `boosted − own`, worked out here for every caller, so all quote it to
    /// the last bit.
    public func spreeReason(_ part: SpreePart) -> AlertReason {
        AlertReason(detector: "spree", score: Ensemble.score(evidence: part.after.evidence), contribution: part.boosted - part.own,
                    text: Spree.reason(after: part.after, instant: part.instant, transactionID: part.after.key, count: part.count,
                                       windowHours: Double(spree.windowSeconds) / 3600))
    }
}
