import Foundation
import VigilCore
import VigilDetect
import VigilStore

public struct ScanOptions: Sendable {
    /// The detectors to run (all by default). The ensemble combines whichever ran.
    public var detectors: Set<Detector>
    public var config: VigilConfig
    /// Whether the scan ends by refreshing the alert queue.
    public var fillAlerts = true

    public init(detectors: Set<Detector> = Set(Detector.allCases), config: VigilConfig = VigilConfig()) {
        self.detectors = detectors
        self.config = config
    }
}

/// What one detector run did.
public struct ScanRun: Sendable {
    public var detector: String
    public var title: String
    public var runID: Int64
    public var scored: Int
    public var flagged: Int
    /// Fitting (models) or evaluating (rules) seconds, and writing.
    public var seconds: Double
    public var writeSeconds: Double
}

public struct ScanReport: Sendable {
    public var transactions: Int
    /// Reading the store with features and rules computed along the way.
    public var passSeconds: Double
    /// Client profiles written.
    public var profiles = 0
    public var runs: [ScanRun]
    public var ensembleRunID: Int64?
    public var alertsSelected = 0
    public var alerts: AlertRefresh?
    public var totalSeconds = 0.0
    /// Older runs removed at the end (`Store.pruneDetectorRuns`).
    public var runsPruned = 0
    /// Seconds per stage. Within the pass: `read` (the store, put in client order), `profiles`, `features` (for
    /// the models), `rules` (every rule's hits), `save_profiles`. After it: `models` (fit, score, write),
    /// `rule_runs` (writing the rules' runs), `ensemble` (combine, select, write), `alerts`, `prune`.
    public var stageSeconds: [String: Double] = [:]

    /// The stages that build profiles, run the rules and the ensemble and fill the queue: everything but the
    /// models' features and the models themselves.
    public static let behaviouralStages = ["read", "profiles", "rules", "save_profiles", "rule_runs", "ensemble", "alerts", "prune"]
}

/// Runs the detectors over every transaction of a store, writes one detector run each, combines them into the
/// ensemble, and refreshes the alert queue. Labels are carried for evaluation only; nothing here reads them.
public enum Scanner {
    /// Isolation Forest flags a score above 0.5 (scikit-learn's `offset_` of −0.5 with contamination "auto").
    public static let isolationThreshold = 0.5
    /// LOF flags a factor above 1.5 (scikit-learn's `offset_` of −1.5).
    public static let factorThreshold = 1.5

    public static func scan(_ store: Store, options: ScanOptions, progress: @escaping (String) -> Void = { _ in }) throws -> ScanReport {
        let started = Date()
        let config = options.config
        let models = Detector.models.filter(options.detectors.contains)
        let rules = Set(Detector.rules.filter(options.detectors.contains))
        progress("sampling the population")
        let prior = try FeaturePipeline.prior(of: store)
        let currency = try store.predominantCurrency() ?? "USD"
        let extractor = FeatureExtractor(prior: prior)
        let ruleSet = RuleSet(parameters: config.rules, prior: prior, currency: currency, enabled: rules)

        // One pass over the store: features for the models and every rule's hits, chunk by chunk, rows in
        // (client, time, id) order throughout.
        var set = FeatureSet.empty
        var ids: [Int64] = []
        var instants: [Int64] = []
        var hits: [RuleHit] = []
        var profiles: [ClientProfile] = []
        var seconds: [String: Double] = [:]
        func timed<T>(_ stage: String, _ work: () throws -> T) rethrows -> T {
            let start = Date()
            defer { seconds[stage, default: 0] += Date().timeIntervalSince(start) }
            return try work()
        }
        let readStart = Date()
        var computing = 0.0
        try store.forEachClientChunk { chunk in
            let chunkStart = Date()
            defer { computing += Date().timeIntervalSince(chunkStart) }
            timed("profiles") { profiles += ClientProfile.profiles(of: chunk) }
            let offset = ids.count
            ids += chunk.ids
            instants += chunk.instants
            if !models.isEmpty {
                timed("features") { set.append(FeatureSet(matrix: extractor.features(of: chunk), ids: chunk.ids, labels: chunk.labels)) }
            }
            if !rules.isEmpty {
                timed("rules") {
                    for var hit in ruleSet.hits(chunk) {
                        hit.row += offset
                        hits.append(hit)
                    }
                }
            }
            progress("read \(Formatting.grouped(ids.count)) transactions")
        }
        seconds["read"] = Date().timeIntervalSince(readStart) - computing
        // Each client's profile as of their last transaction, for the workbench and for live scoring.
        try timed("save_profiles") { try store.saveProfiles(profiles) }
        var report = ScanReport(transactions: ids.count, passSeconds: Date().timeIntervalSince(started), runs: [])
        report.profiles = profiles.count
        report.stageSeconds = seconds
        guard ids.count >= 2 else {
            report.totalSeconds = Date().timeIntervalSince(started)
            return report
        }
        let priorJSON = String(decoding: try JSONEncoder.sorted.encode(prior), as: UTF8.self)

        // Models: raw scores per row, stored as they are, then put on the rules' scale for the ensemble.
        var stageStart = Date()
        func stage(_ name: String) {
            report.stageSeconds[name] = Date().timeIntervalSince(stageStart)
            stageStart = Date()
        }
        var dense: [Detector: [Double]] = [:]
        var modelReasons: [Detector: (TailScale, [Double])] = [:]
        for detector in models {
            let (raw, run) = try runModel(detector, set: set, config: config, priorJSON: priorJSON, store: store, progress: progress)
            report.runs.append(run)
            let scale = TailScale(fitting: raw, tail: config.modelTail)
            dense[detector] = scale.normalise(raw)
            modelReasons[detector] = (scale, raw)
        }

        stage("models")
        // Rules: one run each, holding the transactions it flagged with their reasons.
        var sparse: [Detector: [(row: Int, score: Double)]] = [:]
        let hitsByDetector = Dictionary(grouping: hits, by: \.detector)
        for detector in Detector.rules where rules.contains(detector) {
            let mine = hitsByDetector[detector] ?? []
            sparse[detector] = mine.map { (row: $0.row, score: $0.score) }
            let parameters = try ruleParameters(detector, config.rules)
            let runID = try store.beginDetectorRun(detector: detector.rawValue, parameters: parameters, seed: nil)
            let writeStart = Date()
            do {
                try store.finishDetectorRun(runID, transactionIDs: mine.map { ids[$0.row] }, scores: mine.map(\.score),
                                            reasons: mine.map(\.reason), transactionsScored: ids.count, flagged: mine.count,
                                            timings: String(format: "{\"pass\":%.3f}", report.passSeconds))
            } catch {
                try? store.failDetectorRun(runID)
                throw error
            }
            report.runs.append(ScanRun(detector: detector.rawValue, title: detector.title, runID: runID, scored: ids.count,
                                       flagged: mine.count, seconds: 0, writeSeconds: Date().timeIntervalSince(writeStart)))
        }

        stage("rule_runs")
        // The ensemble over whatever ran.
        progress("combining the detectors")
        let ensemble = config.ensemble
        let evidence = ensemble.evidence(rowCount: ids.count, dense: dense, sparse: sparse)
        let scores = evidence.map(Ensemble.score(evidence:))
        let ensembleParameters = try ensembleParametersJSON(config, detectors: options.detectors)
        let ensembleRun = try store.beginDetectorRun(detector: "ensemble", parameters: ensembleParameters,
                                                     seed: Int64(config.seed))
        let selected = Ensemble.select(scores: scores, instants: instants, threshold: config.alertThreshold,
                                       dailyBudget: config.dailyBudget)
        do {
            try store.finishDetectorRun(ensembleRun, transactionIDs: ids, scores: scores, flagged: selected.count,
                                        timings: "{}", storage: .blocks)
        } catch {
            try? store.failDetectorRun(ensembleRun)
            throw error
        }
        report.ensembleRunID = ensembleRun
        report.alertsSelected = selected.count
        stage("ensemble")

        if options.fillAlerts {
            progress("refreshing the alert queue")
            var hitsByRow: [Int: [RuleHit]] = [:]
            let wanted = Set(selected)
            for hit in hits where wanted.contains(hit.row) { hitsByRow[hit.row, default: []].append(hit) }
            let candidates = selected.map { row -> AlertCandidate in
                var reasons: [AlertReason] = []
                for hit in hitsByRow[row] ?? [] {
                    reasons.append(AlertReason(detector: hit.detector.rawValue, score: hit.score,
                                               contribution: ensemble.contribution(of: hit.detector, score: hit.score), text: hit.reason))
                }
                for (detector, normalised) in dense.sorted(by: { $0.key < $1.key }) where normalised[row] > 0 {
                    let (scale, raw) = modelReasons[detector]!
                    // A model speaks as a reason only where it ranks the transaction in its top tenth.
                    guard scale.exceedance(raw[row]) <= 0.1 else { continue }
                    reasons.append(AlertReason(detector: detector.rawValue, score: normalised[row],
                                               contribution: ensemble.contribution(of: detector, score: normalised[row]),
                                               text: modelReason(detector, raw: raw[row], scale: scale, neighbours: config.neighbourCount)))
                }
                // A reason that adds under 0.01 of evidence is noise to the reader.
                reasons = reasons.filter { $0.contribution >= 0.01 }
                reasons.sort { $0.contribution != $1.contribution ? $0.contribution > $1.contribution : $0.detector < $1.detector }
                return AlertCandidate(transactionID: ids[row], score: scores[row], reasons: reasons)
            }
            report.alerts = try store.refreshAlerts(candidates)
            stage("alerts")
        }
        report.runsPruned = try store.pruneDetectorRuns()
        stage("prune")
        report.totalSeconds = Date().timeIntervalSince(started)
        return report
    }

    /// Fits and scores one model, writing its run; returns the raw scores in row order and what the run did.
    static func runModel(_ detector: Detector, set: FeatureSet, config: VigilConfig, priorJSON: String, store: Store,
                         progress: (String) -> Void) throws -> ([Double], ScanRun) {
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
        let runID = try store.beginDetectorRun(detector: detector.rawValue, parameters: json, seed: Int64(config.seed))
        do {
            progress("\(detector.title): fitting and scoring")
            let fitStart = Date()
            let scores: [Double]
            let threshold: Double
            switch detector {
            case .isolationForest:
                let model = IsolationForest.fit(set.matrix, .init(treeCount: config.treeCount, maxSamples: maxSamples, seed: seed))
                scores = model.scores(set.matrix)
                threshold = isolationThreshold
            default:
                scores = lofScores(set.matrix, neighbours: config.neighbourCount, referenceLimit: config.lofReferenceLimit,
                                   seed: seed, progress: progress)
                threshold = factorThreshold
            }
            let fitSeconds = Date().timeIntervalSince(fitStart)
            let flagged = scores.reduce(0) { $0 + ($1 > threshold ? 1 : 0) }
            progress("\(detector.title): writing scores")
            let writeStart = Date()
            try store.finishDetectorRun(runID, transactionIDs: set.ids, scores: scores, flagged: flagged,
                                        timings: String(format: "{\"fit_and_score\":%.3f}", fitSeconds), storage: .blocks)
            return (scores, ScanRun(detector: detector.rawValue, title: detector.title, runID: runID, scored: scores.count,
                                           flagged: flagged, seconds: fitSeconds, writeSeconds: Date().timeIntervalSince(writeStart)))
        } catch {
            try? store.failDetectorRun(runID)
            throw error
        }
    }

    /// What a model's score means, in words: how it ranks among all transactions.
    static func modelReason(_ detector: Detector, raw: Double, scale: TailScale, neighbours: Int) -> String {
        // "More than 100 %" would be false: the very top reads as 99.99 %.
        let share = min(0.9999, 1 - scale.exceedance(raw))
        let percent = share >= 0.99 ? String(format: "%.2f", share * 100) : String(format: "%.1f", share * 100)
        switch detector {
        case .isolationForest:
            return "Isolation Forest: easier to isolate than \(percent) % of transactions (anomaly score "
                + String(format: "%.3f", raw) + ")"
        default:
            return "Local Outlier Factor: its neighbourhood is " + String(format: "%.1f", raw) + "× sparser than those of its "
                + "\(neighbours) nearest transactions, more than \(percent) % of transactions"
        }
    }

    /// LOF factors for every row. Up to `referenceLimit` rows, LOF runs in outlier mode over all of them; above it,
    /// it is fitted on a seeded sample of that size and scores every other row in novelty mode against it.
    static func lofScores(_ raw: FeatureMatrix, neighbours: Int, referenceLimit: Int, seed: UInt64,
                          progress: (String) -> Void) -> [Double] {
        let configuration = LocalOutlierFactor.Configuration(neighbourCount: neighbours)
        if raw.rowCount <= referenceLimit {
            let matrix = Standardizer(fitting: raw).transform(raw)
            return LocalOutlierFactor.fit(matrix, configuration).referenceFactors
        }
        let reference = referenceRows(count: raw.rowCount, limit: referenceLimit, seed: seed)
        let referenceMatrix = raw.rows(reference)
        let scaler = Standardizer(fitting: referenceMatrix)
        let model = LocalOutlierFactor.fit(scaler.transform(referenceMatrix), configuration)
        progress("Local Outlier Factor: scoring \(Formatting.grouped(raw.rowCount)) transactions against the reference")
        var factors = model.factors(scaler.transform(raw))
        for (position, row) in reference.enumerated() { factors[row] = model.referenceFactors[position] }
        return factors
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

    /// A rule's parameters as JSON, for its run.
    static func ruleParameters(_ detector: Detector, _ p: RuleSet.Parameters) throws -> String {
        let encoder = JSONEncoder.sorted
        let data: Data
        switch detector {
        case .impossibleTravel: data = try encoder.encode(p.impossibleTravel)
        case .unusualPlace: data = try encoder.encode(p.unusualPlace)
        case .unusualHour: data = try encoder.encode(p.unusualHour)
        case .unusualAmount: data = try encoder.encode(p.unusualAmount)
        case .overDailySpend: data = try encoder.encode(p.overDailySpend)
        case .overMonthlySpend: data = try encoder.encode(p.overMonthlySpend)
        default: data = try encoder.encode(p.burst)
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func ensembleParametersJSON(_ config: VigilConfig, detectors: Set<Detector>) throws -> String {
        var weights: [String: Double] = [:]
        for detector in detectors { weights[detector.rawValue] = config.weights[detector] ?? 0 }
        let object: [String: Any] = ["weights": weights, "model_tail": config.modelTail, "threshold": config.alertThreshold,
                                     "daily_budget": config.dailyBudget]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
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
