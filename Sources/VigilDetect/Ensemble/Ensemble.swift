import Foundation
import VigilCore

/// Combines every detector's normalised score (each in [0, 1]) into one alert score.
///
/// Evidence is the weighted sum of the detectors' scores, and the alert score is `1 − exp(−evidence)`: in [0, 1),
/// monotone in every detector, so a transaction that two detectors flag ranks above one that either flags alone.
/// A detector's weight is how much evidence it adds at full strength: with the default threshold of 0.5 (evidence
/// ln 2 ≈ 0.69), a rule weighted 0.7 or more raises an alert on its own, and weaker signals must agree.
public struct Ensemble: Sendable, Equatable {
    public var weights: [Detector: Double]

    public init(weights: [Detector: Double]) {
        self.weights = weights
    }

    public static func score(evidence: Double) -> Double { 1 - exp(-evidence) }
    public static func evidence(score: Double) -> Double { -log(max(1e-300, 1 - score)) }

    public func weight(_ detector: Detector) -> Double { weights[detector] ?? 0 }

    /// One detector's part in a transaction's evidence.
    public func contribution(of detector: Detector, score: Double) -> Double { weight(detector) * score }

    /// Picks the alerts: rows whose score reaches `threshold`, at most `dailyBudget` per UTC day of the transaction
    /// (the highest-scoring first; 0 means no budget), in descending score order (ties by row).
    public static func select(scores: [Double], instants: [Int64], threshold: Double, dailyBudget: Int) -> [Int] {
        precondition(scores.count == instants.count)
        var candidates = scores.indices.filter { scores[$0] >= threshold && scores[$0] > 0 }
        candidates.sort { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        guard dailyBudget > 0 else { return candidates }
        var perDay: [Int64: Int] = [:]
        return candidates.filter { row in
            let day = CivilTime.dayNumber(instants[row])
            let used = perDay[day, default: 0]
            guard used < dailyBudget else { return false }
            perDay[day] = used + 1
            return true
        }
    }
}
