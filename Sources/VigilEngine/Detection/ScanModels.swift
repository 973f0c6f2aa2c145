import Foundation
import VigilCore
import VigilDetect
import VigilStore

// Fitting (or reusing) and scoring the matrix models, Isolation Forest and LOF, a slice at a time so that the scan
// can report and be cancelled between slices.
extension Scanner {
    /// A model a scan fitted.
    enum FittedModel {
        case isolation(IsolationForestModel)
        case lof(FittedLOF)
    }

    /// Fits (unless `fitted` holds the model) and scores one model, writing its run; returns the raw scores in row
    /// order, what the run did, and the model when it was fitted here.
    static func runModel(_ detector: Detector, set: FeatureSet, options: ScanOptions, priorJSON: String, fitted: FittedDetectors?,
                         store: Store, meter: ScanMeter) throws -> ([Double], ScanRun, FittedModel?) {
        let config = options.config
        var parameters: [String: String] = ["features": "\"\(TransactionFeature.names.joined(separator: ","))\"", "prior": priorJSON]
        let maxSamples = config.maxSamples > 0 ? config.maxSamples : min(256, set.count)
        switch detector {
        case .isolationForest:
            parameters["n_estimators"] = "\(config.treeCount)"
            parameters["max_samples"] = "\(maxSamples)"
        default:
            parameters["n_neighbors"] = "\(config.neighbourCount)"
            parameters["scaling"] = "\"standard\""
            parameters["reference_rows"] = "\(min(set.count, config.lofReferenceLimit))"
        }
        let json = "{" + parameters.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        let seed = UInt64(config.seed)
        return try meter.run(of: detector.rawValue, parameters: json, seed: Int64(config.seed), in: store) { runID in
            let fitStart = Date()
            let scores: [Double]
            let threshold: Double
            var model: FittedModel?
            switch detector {
            case .isolationForest:
                let forest = fitted?.isolation
                    ?? IsolationForest.fit(set.matrix, .init(treeCount: config.treeCount, maxSamples: maxSamples, seed: seed))
                if fitted?.isolation == nil { model = .isolation(forest) }
                try meter.advance(0.02)
                scores = try inSlices(of: set.matrix, rows: options.isolationSliceRows, meter: meter, from: 0.02, to: 0.9) { slice, _ in
                    forest.scores(slice)
                }
                threshold = isolationThreshold
            default:
                if let lof = fitted?.lof {
                    // Refitted from its stored reference on load; every row is scored against it, a slice at a time.
                    try meter.advance(0.05)
                    let ids = set.ids
                    scores = try inSlices(of: set.matrix, rows: options.lofSliceRows, meter: meter, from: 0.05, to: 0.98) { slice, rows in
                        lof.factors(slice, ids: Array(ids[rows]))
                    }
                } else {
                    let lof: FittedLOF
                    (scores, lof) = try lofScores(set.matrix, ids: set.ids, neighbours: config.neighbourCount,
                                                  referenceLimit: config.lofReferenceLimit, seed: seed,
                                                  sliceRows: options.lofSliceRows, meter: meter)
                    model = .lof(lof)
                }
                threshold = factorThreshold
            }
            let fitSeconds = Date().timeIntervalSince(fitStart)
            let flagged = scores.reduce(0) { $0 + ($1 > threshold ? 1 : 0) }
            try meter.advance(detector == .isolationForest ? 0.9 : 0.98)
            let writeStart = Date()
            try store.finishDetectorRun(runID, transactionIDs: set.ids, scores: scores, flagged: flagged,
                                        timings: String(format: "{\"fit_and_score\":%.3f}", fitSeconds), storage: .blocks)
            return (scores, ScanRun(detector: detector.rawValue, title: detector.title, runID: runID, scored: scores.count,
                                           flagged: flagged, seconds: fitSeconds, writeSeconds: Date().timeIntervalSince(writeStart)),
                    model)
        }
    }

    /// `score` over `matrix` a slice of `rows` rows at a time (each with its rows' range), the scores put end to end, reporting the stage from
    /// `from` to `to` and checking for cancellation after each slice. Each row's score depends on that row alone
    /// (in both models), so the result is that of one call over the whole matrix.
    static func inSlices(of matrix: FeatureMatrix, rows: Int, meter: ScanMeter, from: Double, to: Double,
                         _ score: (FeatureMatrix, Range<Int>) -> [Double]) throws -> [Double] {
        let count = matrix.rowCount
        guard count > rows else {
            let scores = score(matrix, 0 ..< count)
            try meter.advance(to)
            return scores
        }
        var scores: [Double] = []
        scores.reserveCapacity(count)
        var start = 0
        while start < count {
            let end = min(count, start + rows)
            let width = matrix.columnCount
            scores += score(FeatureMatrix(rowCount: end - start, columnCount: width,
                                          values: Array(matrix.values[start * width ..< end * width])), start ..< end)
            start = end
            try meter.advance(from + (to - from) * Double(end) / Double(count))
        }
        return scores
    }

    /// LOF factors for every row (of transactions `ids`), and the fitted LOF. Up to `referenceLimit` rows, LOF runs
    /// in outlier mode over all of them; above it, it is fitted on a seeded sample of that size and scores every
    /// other row in novelty mode against it, `sliceRows` at a time.
    static func lofScores(_ raw: FeatureMatrix, ids: [Int64], neighbours: Int, referenceLimit: Int, seed: UInt64, sliceRows: Int,
                          meter: ScanMeter) throws -> ([Double], FittedLOF) {
        let configuration = LocalOutlierFactor.Configuration(neighbourCount: neighbours)
        if raw.rowCount <= referenceLimit {
            let scaler = Standardizer(fitting: raw)
            let model = try LocalOutlierFactor.fit(scaler.transform(raw), configuration, shouldStop: meter.shouldStop)
            return (model.referenceFactors, FittedLOF(referenceIDs: ids, reference: raw, scaler: scaler, model: model))
        }
        let reference = referenceRows(count: raw.rowCount, limit: referenceLimit, seed: seed)
        let referenceMatrix = raw.rows(reference)
        let scaler = Standardizer(fitting: referenceMatrix)
        let model = try LocalOutlierFactor.fit(scaler.transform(referenceMatrix), configuration, shouldStop: meter.shouldStop)
        let shares = LOFShares(transactions: raw.rowCount, referenceLimit: referenceLimit)
        try meter.advance(shares.afterFit)
        // Standardising is row by row too, so each slice is standardised as it is scored.
        var factors = try inSlices(of: raw, rows: sliceRows, meter: meter, from: shares.afterFit, to: 0.98) { slice, _ in
            model.factors(scaler.transform(slice))
        }
        for (position, row) in reference.enumerated() { factors[row] = model.referenceFactors[position] }
        return (factors, FittedLOF(referenceIDs: reference.map { ids[$0] }, reference: referenceMatrix, scaler: scaler, model: model))
    }

    /// A seeded sample of `limit` distinct rows out of `count`, in row order.
    static func referenceRows(count: Int, limit: Int, seed: UInt64) -> [Int] {
        var random = SeededRandom(seed: seed, stream: 0x4C4F46)  // "LOF"
        var rows = Array(0..<count)
        for i in 0..<limit {
            rows.swapAt(i, i + random.nextInt(below: count - i))
        }
        return rows[0..<limit].sorted()
    }
}
