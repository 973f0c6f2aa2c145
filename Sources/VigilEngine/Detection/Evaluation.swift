import Foundation
import VigilDetect
import VigilStore

/// How well one detector run (or the amount-alone baseline) separates the store's labelled fraud from the rest.
public struct RunEvaluation: Sendable {
    public var detector: String
    /// The run judged; 0 for the amount-alone baseline, which is no stored run.
    public var runID: Int64
    public var labelled: Int
    public var positives: Int
    public var rocAUC: Double?
    public var averagePrecision: Double?
    public var precisionAt100: Double?
    public var precisionAt1000: Double?
    /// Share of the fraud found when the top 1 % of transactions are alerted.
    public var recallAt1Percent: Double?
    /// Per kind of labelled anomaly (demo data): how many there are and how many the detector flagged (a rule: any
    /// score; Isolation Forest and LOF: past their flag thresholds; the LSTM, which has none: its top 1 %; the
    /// ensemble: at or above the alert threshold).
    public var recallByKind: [String: (total: Int, found: Int)] = [:]
    /// Per kind of labelled anomaly: how many there are and how many are among the top 1 % of transactions, the
    /// same rows as `recallAt1Percent` counts, so that every detector and the baseline are judged at one alert rate.
    public var recallByKindAt1Percent: [String: (total: Int, found: Int)] = [:]

    /// The figures as a JSON-ready dictionary (NaN-free: a figure that cannot be computed is null).
    public var jsonObject: [String: Any] {
        func value(_ x: Double?) -> Any { x.map { $0 as Any } ?? NSNull() }
        func recalls(_ byKind: [String: (total: Int, found: Int)]) -> [String: Any] {
            byKind.mapValues { ["total": $0.total, "found": $0.found, "recall": Double($0.found) / Double(max(1, $0.total))] }
        }
        return [
            "run_id": runID == 0 ? NSNull() : runID as Any, "labelled": labelled, "positives": positives,
            "roc_auc": value(rocAUC), "average_precision": value(averagePrecision),
            "precision_at_100": value(precisionAt100), "precision_at_1000": value(precisionAt1000),
            "recall_at_1pct": value(recallAt1Percent),
            "recall_by_kind": recalls(recallByKind), "recall_by_kind_at_1pct": recalls(recallByKindAt1Percent),
        ]
    }
}

public enum Evaluator {
    /// The latest complete run of each detector, judged against the labels (unlabelled transactions are left out).
    public static func evaluateLatestRuns(_ store: Store) throws -> [RunEvaluation] {
        var latest: [String: DetectorRun] = [:]
        for run in try store.detectorRuns() where run.status == "complete" && latest[run.detector] == nil {
            latest[run.detector] = run
        }
        return try latest.values.sorted { $0.detector < $1.detector }.map { run in
            let (scores, labels, kinds) = try store.labelledScoresAndKinds(runID: run.id)
            var evaluation = evaluate(detector: run.detector, runID: run.id, scores: scores, labels: labels, kinds: kinds)
            evaluation.recallByKind = try store.recallByKind(runID: run.id, threshold: flagThreshold(of: run, scores: scores))
            return evaluation
        }
    }

    /// The name the amount-alone baseline goes by in `vigil eval`.
    public static let amountAlone = "amount_alone"

    /// The labelled transactions ranked by nothing but their amount, judged like a run: the baseline a detector must
    /// beat to tell more than "large charges are suspicious". It has no flag threshold, so no `recallByKind`.
    public static func evaluateAmountAlone(_ store: Store) throws -> RunEvaluation {
        let (amounts, labels, kinds) = try store.labelledAmounts()
        return evaluate(detector: amountAlone, runID: 0, scores: amounts, labels: labels, kinds: kinds)
    }

    /// The score above which a run counts a transaction as flagged; `scores` are the run's (for a detector without a
    /// threshold of its own, judged by its top 1 %).
    static func flagThreshold(of run: DetectorRun, scores: [Double] = []) -> Double {
        switch run.detector {
        case "iforest": return Scanner.isolationThreshold
        case "lof": return Scanner.factorThreshold
        case "lstm":
            guard !scores.isEmpty else { return .infinity }
            let sorted = scores.sorted()
            return sorted[min(sorted.count - 1, Int(0.99 * Double(sorted.count)))]
        case "ensemble":
            // Alerts are scores at or above the threshold: just below it, as the comparison is strict.
            let parameters = (try? JSONSerialization.jsonObject(with: Data(run.parameters.utf8))) as? [String: Any]
            return ((parameters?["threshold"] as? Double) ?? VigilConfig().alertThreshold).nextDown
        default: return 0
        }
    }

    /// Judges `scores` against `labels`; with each row's label kind (`kinds`, nil where none) it also counts each
    /// kind among the top 1 %.
    public static func evaluate(detector: String, runID: Int64, scores: [Double], labels: [Bool],
                                kinds: [String?]? = nil) -> RunEvaluation {
        var evaluation = RunEvaluation(
            detector: detector, runID: runID, labelled: labels.count, positives: labels.reduce(0) { $0 + ($1 ? 1 : 0) },
            rocAUC: Metrics.rocAUC(scores: scores, labels: labels),
            averagePrecision: Metrics.averagePrecision(scores: scores, labels: labels),
            precisionAt100: Metrics.precision(atTop: 100, scores: scores, labels: labels),
            precisionAt1000: Metrics.precision(atTop: 1_000, scores: scores, labels: labels),
            recallAt1Percent: Metrics.recall(atAlertRate: 0.01, scores: scores, labels: labels))
        if let kinds {
            precondition(kinds.count == scores.count, "\(kinds.count) label kinds but \(scores.count) scores")
            for case let kind? in kinds { evaluation.recallByKindAt1Percent[kind, default: (0, 0)].total += 1 }
            for row in Metrics.flaggedRows(atAlertRate: 0.01, scores: scores, labels: labels) {
                if let kind = kinds[row] { evaluation.recallByKindAt1Percent[kind, default: (0, 0)].found += 1 }
            }
        }
        return evaluation
    }
}
