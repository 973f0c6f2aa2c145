import Foundation
import VigilCore
import VigilDetect
import VigilStore

/// The model-based detectors `vigil scan` runs.
public enum DetectorKind: String, CaseIterable, Sendable {
    case iforest
    case lof

    public var title: String {
        switch self {
        case .iforest: return "Isolation Forest"
        case .lof: return "Local Outlier Factor"
        }
    }
}

public struct ScanOptions: Sendable {
    public var detectors: [DetectorKind]
    public var seed: UInt64
    /// Isolation Forest: trees, and rows per tree (nil: min(256, n)).
    public var treeCount = 100
    public var maxSamples: Int?
    /// LOF: neighbours, and the most rows it is fitted on. Up to this many transactions, LOF runs in outlier
    /// detection mode over all of them; above it, it is fitted on a seeded sample of this size (outlier mode for the
    /// sample) and scores every other transaction in novelty mode against it.
    public var neighbourCount = 20
    public var lofReferenceLimit = 20_000

    public init(detectors: [DetectorKind] = DetectorKind.allCases, seed: UInt64 = 0) {
        self.detectors = detectors
        self.seed = seed
    }
}

/// What one detector run did.
public struct ScanRun: Sendable {
    public var detector: DetectorKind
    public var runID: Int64
    public var scored: Int
    public var flagged: Int
    public var fitSeconds: Double
    public var scoreSeconds: Double
    public var writeSeconds: Double
}

public struct ScanReport: Sendable {
    public var transactions: Int
    public var featureSeconds: Double
    public var runs: [ScanRun]
}

/// Fits and scores the chosen detectors over every transaction of a store, writing one detector run each.
/// Labels are carried for evaluation only; nothing here reads them.
public enum Scanner {
    /// Isolation Forest flags a score above 0.5 (scikit-learn's `offset_` of −0.5 with contamination "auto").
    public static let isolationThreshold = 0.5
    /// LOF flags a factor above 1.5 (scikit-learn's `offset_` of −1.5).
    public static let factorThreshold = 1.5

    public static func scan(_ store: Store, options: ScanOptions, progress: @escaping (String) -> Void = { _ in }) throws -> ScanReport {
        let featureStart = Date()
        progress("features: sampling the population")
        let prior = try FeaturePipeline.prior(of: store)
        let set = try FeaturePipeline.load(store, prior: prior) { done in
            progress("features: \(Formatting.grouped(done)) transactions")
        }
        let featureSeconds = Date().timeIntervalSince(featureStart)
        var runs: [ScanRun] = []
        guard set.count >= 2 else { return ScanReport(transactions: set.count, featureSeconds: featureSeconds, runs: []) }
        let priorJSON = String(decoding: try JSONEncoder.sorted.encode(prior), as: UTF8.self)

        for detector in options.detectors {
            var parameters: [String: String] = ["features": "\"\(TransactionFeature.names.joined(separator: ","))\"", "prior": priorJSON]
            switch detector {
            case .iforest:
                parameters["n_estimators"] = "\(options.treeCount)"
                parameters["max_samples"] = "\(options.maxSamples ?? min(256, set.count))"
            case .lof:
                parameters["n_neighbors"] = "\(options.neighbourCount)"
                parameters["scaling"] = "\"standard\""
                parameters["reference_rows"] = "\(min(set.count, options.lofReferenceLimit))"
            }
            let json = "{" + parameters.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
            let runID = try store.beginDetectorRun(detector: detector.rawValue, parameters: json, seed: Int64(bitPattern: options.seed))
            do {
                progress("\(detector.title): fitting")
                let fitStart = Date()
                let scores: [Double]
                var scoreStart = Date()
                switch detector {
                case .iforest:
                    let model = IsolationForest.fit(set.matrix, .init(treeCount: options.treeCount, maxSamples: options.maxSamples,
                                                                      seed: options.seed))
                    scoreStart = Date()
                    progress("\(detector.title): scoring")
                    scores = model.scores(set.matrix)
                case .lof:
                    (scores, scoreStart) = lofScores(set.matrix, options: options, progress: progress)
                }
                let scoreEnd = Date()
                let threshold = detector == .iforest ? isolationThreshold : factorThreshold
                let flagged = scores.reduce(0) { $0 + ($1 > threshold ? 1 : 0) }
                progress("\(detector.title): writing scores")
                let timings = String(format: "{\"features\":%.3f,\"fit\":%.3f,\"score\":%.3f}", featureSeconds,
                                     scoreStart.timeIntervalSince(fitStart), scoreEnd.timeIntervalSince(scoreStart))
                try store.finishDetectorRun(runID, transactionIDs: set.ids, scores: scores, flagged: flagged, timings: timings)
                runs.append(ScanRun(detector: detector, runID: runID, scored: scores.count, flagged: flagged,
                                    fitSeconds: scoreStart.timeIntervalSince(fitStart),
                                    scoreSeconds: scoreEnd.timeIntervalSince(scoreStart),
                                    writeSeconds: Date().timeIntervalSince(scoreEnd)))
            } catch {
                try? store.failDetectorRun(runID)
                throw error
            }
        }
        return ScanReport(transactions: set.count, featureSeconds: featureSeconds, runs: runs)
    }

    /// LOF factors for every row, and when scoring (as opposed to fitting) began.
    static func lofScores(_ raw: FeatureMatrix, options: ScanOptions,
                          progress: (String) -> Void) -> ([Double], Date) {
        let configuration = LocalOutlierFactor.Configuration(neighbourCount: options.neighbourCount)
        if raw.rowCount <= options.lofReferenceLimit {
            let matrix = Standardizer(fitting: raw).transform(raw)
            return (LocalOutlierFactor.fit(matrix, configuration).referenceFactors, Date())
        }
        let reference = referenceRows(count: raw.rowCount, limit: options.lofReferenceLimit, seed: options.seed)
        let referenceMatrix = raw.rows(reference)
        let scaler = Standardizer(fitting: referenceMatrix)
        let model = LocalOutlierFactor.fit(scaler.transform(referenceMatrix), configuration)
        let scoreStart = Date()
        progress("Local Outlier Factor: scoring \(Formatting.grouped(raw.rowCount)) transactions against the reference")
        var factors = model.factors(scaler.transform(raw))
        for (position, row) in reference.enumerated() { factors[row] = model.referenceFactors[position] }
        return (factors, scoreStart)
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

extension JSONEncoder {
    /// An encoder with sorted keys, so stored parameters read the same run to run.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
