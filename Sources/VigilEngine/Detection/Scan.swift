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
    /// Whether the LSTM trains afresh even when the store keeps a model (`vigil scan --retrain`).
    public var retrainSequenceModel = false

    // How often a scan reports and checks for cancellation; tests make them small to cut small stores into pieces.
    /// Transactions per chunk of the read pass.
    var rowsPerChunk = 250_000
    /// Rows read from the table between two reports.
    var readingEvery = Store.readingInterval
    /// Rows Isolation Forest scores at a time (about 0.3 s on two cores).
    var isolationSliceRows = 262_144
    /// Rows LOF scores against its reference at a time (about 0.3 s on two cores).
    var lofSliceRows = 32_768

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
    /// The models this scan scored with as an earlier scan fitted them (`FittedDetectors`), not fitted afresh.
    public var reused: [Detector] = []
    /// Seconds per stage. Within the pass: `read` (the store, put in client order), `profiles`, `features` (for
    /// the models), `rules` (every rule's hits), `save_profiles`. After it: `models` (fit, score, write),
    /// `rule_runs` (writing the rules' runs), `ensemble` (combine, select, write), `alerts`, `prune`.
    public var stageSeconds: [String: Double] = [:]

    /// The stages that build profiles, run the rules and the ensemble and fill the queue: everything but the
    /// models' features and the models themselves.
    public static let behaviouralStages = ["read", "profiles", "rules", "save_profiles", "rule_runs", "ensemble", "alerts", "prune"]
}

/// How far a scan has come, as `Scanner.scan` reports it.
public struct ScanProgress: Sendable, Equatable, CustomStringConvertible {
    /// The stage under way, in a few words: `reading`, a model's title, `rules`, `ensemble` or `alertQueue`.
    public var stage: String
    /// The stage's place among the scan's stages (`Scanner.stages(for:)`), from 1.
    public var stageNumber: Int
    public var stageCount: Int
    /// The share of the whole scan done, 0 to 1, each stage weighted by the work it is expected to take. It never
    /// goes back from one report to the next, and the last report of a scan that completes says 1.
    public var fraction: Double
    public var elapsedSeconds: Double
    /// How long the rest should take at the pace so far; nil until enough is done to tell.
    public var secondsLeft: Double?

    public init(stage: String, stageNumber: Int, stageCount: Int, fraction: Double, elapsedSeconds: Double,
                secondsLeft: Double?) {
        self.stage = stage
        self.stageNumber = stageNumber
        self.stageCount = stageCount
        self.fraction = fraction
        self.elapsedSeconds = elapsedSeconds
        self.secondsLeft = secondsLeft
    }

    /// The first stage: the store read once for client profiles, the models' features and every rule's hits.
    public static let reading = "reading transactions"
    /// Writing the rules' runs.
    public static let rules = "rules"
    /// Combining the detectors and writing the ensemble's run.
    public static let ensemble = "ensemble"
    /// Refreshing the alert queue (the last stage unless the scan leaves the queue as it is).
    public static let alertQueue = "alert queue"

    /// The whole percent done, 100 only at the very end.
    public var percent: Int { Int((min(max(fraction, 0), 1) * 100 + 1e-9).rounded(.down)) }

    /// One line, such as "Isolation Forest · 3/6 · 45% · 12 s left".
    public var description: String {
        var text = "\(stage) · \(stageNumber)/\(stageCount) · \(percent)%"
        if let secondsLeft, fraction < 1 { text += " · \(Formatting.duration(secondsLeft)) left" }
        return text
    }
}

/// Why a scan stopped without a report.
public enum ScanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The scan's `ScanCancellation` was cancelled. The runs the scan had begun are marked cancelled, the alert queue
    /// was not touched, and the previous scan's runs and alerts are as they were.
    case cancelled

    public var description: String {
        switch self {
        case .cancelled: return "the scan was cancelled; the alert queue and the earlier detector runs are as they were"
        }
    }
}

/// Stops a scan from another thread: `Scanner.scan` asks it between stages and every fraction of a second within
/// them, and throws `ScanError.cancelled` once it is cancelled. A cancellation cannot be undone.
public final class ScanCancellation: Sendable {
    private let flag = Guarded(false)

    public init() {}

    public func cancel() { flag.update { $0 = true } }

    public var isCancelled: Bool { flag.read { $0 } }
}

/// Runs the detectors over every transaction of a store, writes one detector run each, combines them into the
/// ensemble, and refreshes the alert queue. Labels are carried for evaluation only; nothing here reads them.
public enum Scanner {
    /// Isolation Forest flags a score above 0.5 (scikit-learn's `offset_` of −0.5 with contamination "auto").
    public static let isolationThreshold = 0.5
    /// LOF flags a factor above 1.5 (scikit-learn's `offset_` of −1.5).
    public static let factorThreshold = 1.5
    /// A model speaks as an alert's reason only where it ranks the transaction this far into its upper tail (its
    /// top tenth).
    static let modelReasonShare = 0.1

    /// Runs the scan, reporting each step as a line of text (`ScanProgress.description`).
    public static func scan(_ store: Store, options: ScanOptions, progress: @escaping (String) -> Void = { _ in }) throws -> ScanReport {
        try scan(store, options: options, progress: { progress($0.description) }, cancellation: nil)
    }

    /// The stages a scan with `options` goes through, in order, as `ScanProgress.stage` names them.
    public static func stages(for options: ScanOptions) -> [String] {
        plan(options, transactions: 0).map(\.name)
    }

    /// Runs the scan. `progress` is called on the calling thread at the start of every stage and every fraction of a
    /// second within it (a few hundred times on millions of transactions). Once `cancellation` is cancelled the scan
    /// stops at its next check and throws `ScanError.cancelled`: the runs it began are marked cancelled and their
    /// scores deleted, the alert queue is left as it was (it is refreshed in one transaction, after the last check),
    /// and the previous scan's runs stay the newest complete ones. Client profiles, which depend on the transactions
    /// only, may have been saved by then.
    public static func scan(_ store: Store, options: ScanOptions, progress: (ScanProgress) -> Void,
                            cancellation: ScanCancellation? = nil) throws -> ScanReport {
        try withoutActuallyEscaping(progress) { progress in
            // Cancelled before it began: not even the count.
            if cancellation?.isCancelled == true { throw ScanError.cancelled }
            let count = try store.transactionCount()
            let saved = options.detectors.contains(.lstm)
                ? try SequenceDetector.saved(in: store, retrain: options.retrainSequenceModel) : nil
            let fitted = options.retrainSequenceModel ? nil : try FittedDetectors.load(store, config: options.config)
            let meter = ScanMeter(stages: plan(options, transactions: count, training: saved == nil), cancellation: cancellation,
                                  report: progress)
            do {
                return try scan(store, options: options, transactionCount: count, savedSequenceModel: saved, fitted: fitted,
                                meter: meter)
            } catch let error where error is ScanError || error is CancellationError {
                try? store.cancelDetectorRuns(meter.begun)
                throw ScanError.cancelled
            }
        }
    }

    /// The stages of a scan with their expected cost in microseconds per transaction, from a release build on two
    /// cores at 6.7 M transactions (bench/RESULTS.md): the read pass about 1.5 µs plus 0.45 for the rules and 0.7
    /// for the models' features, Isolation Forest 1.3, the rules' runs, the ensemble and the queue 0.3, 0.3 and 0.1.
    /// Those all grow with the number of transactions; LOF does not quite (`LOFShares`).
    static func plan(_ options: ScanOptions, transactions: Int, training: Bool = true) -> [ScanMeter.Stage] {
        var stages = [ScanMeter.Stage(name: ScanProgress.reading, weight: ReadingShares(options).total)]
        for detector in Detector.models where options.detectors.contains(detector) {
            let weight: Double
            switch detector {
            case .isolationForest: weight = 1.3
            case .lstm:
                // Scoring about 0.6 µs a transaction; training about 1.5 µs per transaction trained and epoch.
                let trained = training ? Double(min(transactions, options.config.lstmTrainingTransactions) * options.config.lstmEpochs) : 0
                weight = 0.6 + 1.5 * trained / Double(max(1, transactions))
            default: weight = LOFShares(transactions: transactions, referenceLimit: options.config.lofReferenceLimit).perTransaction
            }
            stages.append(.init(name: detector.title, weight: weight))
        }
        if Detector.rules.contains(where: options.detectors.contains) { stages.append(.init(name: ScanProgress.rules, weight: 0.3)) }
        stages.append(.init(name: ScanProgress.ensemble, weight: 0.3))
        if options.fillAlerts { stages.append(.init(name: ScanProgress.alertQueue, weight: 0.1)) }
        return stages
    }

    /// The parts of the read pass, in the same units as the stages' weights.
    struct ReadingShares {
        /// Counting the transactions and sampling the population prior.
        let prior = 0.05
        /// Reading the table, row by row.
        let rows = 0.75
        /// Putting the rows in client order, before the first chunk.
        let order = 0.15
        /// Profiles, features and rules, chunk by chunk.
        let chunks: Double
        /// Saving the profiles.
        let save = 0.26

        init(_ options: ScanOptions) {
            chunks = 0.34 + (Detector.rules.contains(where: options.detectors.contains) ? 0.45 : 0)
                + (Detector.matrixModels.contains(where: options.detectors.contains) ? 0.7 : 0)
                + (options.detectors.contains(.lstm) ? 0.4 : 0)
        }

        var total: Double { prior + rows + order + chunks + save }

        /// The share of the stage done with `rows` of `count` transactions read from the table.
        func reading(_ read: Int, of count: Int) -> Double {
            (prior + rows * share(read, count)) / total
        }

        /// The share of the stage done with the chunks holding `done` of `count` transactions handled.
        func chunks(_ done: Int, of count: Int) -> Double {
            (prior + rows + order + chunks * share(done, count)) / total
        }

        var afterPrior: Double { prior / total }
        var beforeSaving: Double { (total - save) / total }

        private func share(_ part: Int, _ whole: Int) -> Double { min(1, Double(part) / Double(max(1, whole))) }
    }

    /// LOF's cost: fitting on the reference rows (all transactions up to the reference limit) about 15 µs a row,
    /// then about 10 µs for each other transaction scored against them (27 s for 2.6 M on two cores).
    struct LOFShares {
        let transactions: Int
        let fit: Double
        let scoring: Double

        init(transactions: Int, referenceLimit: Int) {
            self.transactions = transactions
            fit = 15 * Double(min(transactions, referenceLimit))
            scoring = 10 * Double(max(0, transactions - referenceLimit))
        }

        /// The stage's weight, in microseconds per transaction.
        var perTransaction: Double { transactions == 0 ? 10 : (fit + scoring) / Double(transactions) }

        /// The share of the stage done once the reference is fitted (the rest: scoring, then 2 % for the write).
        var afterFit: Double { fit + scoring == 0 ? 0 : 0.98 * fit / (fit + scoring) }
    }

    static func scan(_ store: Store, options: ScanOptions, transactionCount count: Int, savedSequenceModel: SequenceDetector.Saved?,
                     fitted: FittedDetectors?, meter: ScanMeter) throws -> ScanReport {
        let started = Date()
        let config = options.config
        let models = Detector.models.filter(options.detectors.contains)
        let rules = Set(Detector.rules.filter(options.detectors.contains))
        let shares = ReadingShares(options)
        try meter.enter(ScanProgress.reading)
        // With fitted detectors to reuse, the prior and currency they were fitted with: the features and rules must
        // be those the models saw.
        let prior = try fitted?.prior ?? FeaturePipeline.prior(of: store, transactionCount: count)
        let currency = try fitted?.currency ?? store.predominantCurrency() ?? "USD"
        let extractor = FeatureExtractor(prior: prior)
        let ruleSet = RuleSet(parameters: config.rules, prior: prior, currency: currency, enabled: rules)
        try meter.advance(shares.afterPrior)

        // One pass over the store: features for the models and every rule's hits, chunk by chunk, rows in
        // (client, time, id) order throughout.
        var set = FeatureSet.empty
        var ids: [Int64] = []
        var instants: [Int64] = []
        // Each client's first row, then the row count: the spree runs over each client's rows.
        var clientStarts: [Int] = []
        var hits: [RuleHit] = []
        var profiles: [ClientProfile] = []
        // The LSTM's steps, encoded with the saved model's vocabulary or one learned from the store's categories.
        let sequences = models.contains(.lstm)
        var encoder = savedSequenceModel?.encoder
        var steps = SequenceSteps(inputWidth: SequenceEncoder.numericNames.count)
        var amounts: [Int64] = []
        let matrixModels = models.filter { Detector.matrixModels.contains($0) }
        var seconds: [String: Double] = [:]
        func timed<T>(_ stage: String, _ work: () throws -> T) rethrows -> T {
            let start = Date()
            defer { seconds[stage, default: 0] += Date().timeIntervalSince(start) }
            return try work()
        }
        let readStart = Date()
        var computing = 0.0
        try store.forEachClientChunk(rowsPerChunk: options.rowsPerChunk, readingEvery: options.readingEvery, reading: { read in
            try meter.advance(shares.reading(read, of: count))
        }) { chunk in
            try meter.advance(shares.chunks(ids.count, of: count))
            let chunkStart = Date()
            defer { computing += Date().timeIntervalSince(chunkStart) }
            timed("profiles") { profiles += ClientProfile.profiles(of: chunk) }
            let offset = ids.count
            ids += chunk.ids
            instants += chunk.instants
            for client in 0 ..< chunk.clientCount { clientStarts.append(offset + chunk.rows(ofClient: client).lowerBound) }
            if sequences {
                timed("sequences") {
                    if encoder == nil { encoder = SequenceEncoder.fitting(chunk.categoryNames) }
                    steps.append(encoder!.encode(chunk))
                    amounts += chunk.amountMinor
                }
            }
            if !matrixModels.isEmpty {
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
        }
        seconds["read"] = Date().timeIntervalSince(readStart) - computing
        // Each client's profile as of their last transaction, for the workbench and for live scoring.
        try meter.advance(shares.beforeSaving)
        try timed("save_profiles") { try store.saveProfiles(profiles) }
        var report = ScanReport(transactions: ids.count, passSeconds: Date().timeIntervalSince(started), runs: [])
        report.profiles = profiles.count
        report.stageSeconds = seconds
        guard ids.count >= 2 else {
            report.totalSeconds = Date().timeIntervalSince(started)
            meter.finish()
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
        var predictions: SequenceDetector.Predictions?
        // What is reused and what this scan fits: a new set is kept when anything was fitted.
        var kept = fitted ?? FittedDetectors(fingerprint: FittedDetectors.fingerprint(config), throughTransaction: ids.max() ?? 0,
                                             prior: prior, currency: currency)
        var fittedNow = false
        for detector in models {
            try meter.enter(detector.title)
            let raw: [Double], run: ScanRun
            var reused = false
            if detector == .lstm, let encoder {
                let predicted: SequenceDetector.Predictions
                (raw, run, predicted) = try SequenceDetector.run(steps: steps, encoder: encoder, saved: savedSequenceModel, ids: ids,
                                                                 options: options, store: store, meter: meter)
                predictions = predicted
                let modelID = try store.latestSequenceModel(detector: Detector.lstm.rawValue)?.id
                reused = savedSequenceModel != nil && modelID == kept.sequenceModelID
                kept.sequenceModelID = modelID
            } else {
                let model: FittedModel?
                (raw, run, model) = try runModel(detector, set: set, options: options, priorJSON: priorJSON, fitted: fitted,
                                                 store: store, meter: meter)
                switch model {
                case .isolation(let forest)?: kept.isolation = forest
                case .lof(let lof)?: kept.lof = lof
                case nil: reused = true
                }
            }
            report.runs.append(run)
            let scale: TailScale
            if reused, let saved = kept.scales[detector] {
                scale = saved
                report.reused.append(detector)
            } else {
                scale = TailScale(fitting: raw, tail: config.modelTail)
                kept.scales[detector] = scale
                fittedNow = true
            }
            dense[detector] = scale.normalise(raw)
            modelReasons[detector] = (scale, raw)
        }
        if fittedNow {
            kept.throughTransaction = ids.max() ?? 0
            kept.storedID = try store.saveFittedModels(kept.stored(createdAt: Int64(Date().timeIntervalSince1970)))
        }

        stage("models")
        // Rules: one run each, holding the transactions it flagged with their reasons.
        var sparse: [Detector: [(row: Int, score: Double)]] = [:]
        let hitsByDetector = Dictionary(grouping: hits, by: \.detector)
        let chosenRules = Detector.rules.filter(rules.contains)
        if !chosenRules.isEmpty { try meter.enter(ScanProgress.rules) }
        for (position, detector) in chosenRules.enumerated() {
            try meter.advance(Double(position) / Double(chosenRules.count))
            let mine = hitsByDetector[detector] ?? []
            sparse[detector] = mine.map { (row: $0.row, score: $0.score) }
            let parameters = try ruleParameters(detector, config.rules)
            let runID = try store.beginDetectorRun(detector: detector.rawValue, parameters: parameters, seed: nil)
            meter.begun.append(runID)
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
        try meter.enter(ScanProgress.ensemble)
        let ensemble = config.ensemble
        let ownEvidence = ensemble.evidence(rowCount: ids.count, dense: dense, sparse: sparse)
        let spree = config.spree
        let (evidence, spreeAfter, spreeEarlier) = spree.apply(evidence: ownEvidence, instants: instants,
                                                 clientStarts: clientStarts + [ids.count])
        let scores = evidence.map(Ensemble.score(evidence:))
        let ensembleParameters = try ensembleParametersJSON(config, detectors: options.detectors)
        let selected = Ensemble.select(scores: scores, instants: instants, threshold: config.alertThreshold,
                                       dailyBudget: config.dailyBudget)
        try meter.advance(0.5)
        let ensembleRun = try store.beginDetectorRun(detector: "ensemble", parameters: ensembleParameters,
                                                     seed: Int64(config.seed))
        meter.begun.append(ensembleRun)
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
            try meter.enter(ScanProgress.alertQueue)
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
                    guard scale.exceedance(raw[row]) <= modelReasonShare else { continue }
                    var text = modelReason(detector, raw: raw[row], scale: scale, neighbours: config.neighbourCount)
                    if detector == .lstm, let predictions, let encoder {
                        text = SequenceDetector.reason(row: row, steps: steps, predictions: predictions, encoder: encoder,
                                                       instants: instants, amountMinor: amounts[row], currency: currency,
                                                       share: percentile(scale, raw[row]))
                    }
                    reasons.append(AlertReason(detector: detector.rawValue, score: normalised[row],
                                               contribution: ensemble.contribution(of: detector, score: normalised[row]),
                                               text: text))
                }
                if spreeAfter[row] >= 0 {
                    let earlier = Int(spreeAfter[row])
                    reasons.append(Scanner.spreeReason(spree, own: ownEvidence[row], boosted: evidence[row], instant: instants[row],
                                                       after: Spree.Earlier(instant: instants[earlier],
                                                                            evidence: ownEvidence[earlier], key: ids[earlier]),
                                                       count: Int(spreeEarlier[row])))
                }
                // A reason that adds under 0.01 of evidence is noise to the reader.
                reasons = reasons.filter { $0.contribution >= 0.01 }
                reasons.sort { $0.contribution != $1.contribution ? $0.contribution > $1.contribution : $0.detector < $1.detector }
                return AlertCandidate(transactionID: ids[row], score: scores[row], reasons: reasons)
            }
            // The last check: the refresh is one transaction, and once it has committed the scan has done its work.
            try meter.check()
            report.alerts = try store.refreshAlerts(candidates)
            stage("alerts")
        }
        // Every transaction seen is scored: live scoring starts after them.
        try store.markScored(through: ids.max() ?? 0)
        report.runsPruned = try store.pruneDetectorRuns()
        stage("prune")
        report.totalSeconds = Date().timeIntervalSince(started)
        meter.finish()
        return report
    }

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
        let runID = try store.beginDetectorRun(detector: detector.rawValue, parameters: json, seed: Int64(config.seed))
        meter.begun.append(runID)
        do {
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
        } catch let error where !(error is ScanError || error is CancellationError) {
            // A cancelled scan marks its runs itself.
            try? store.failDetectorRun(runID)
            throw error
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

    /// How a raw score ranks among all transactions, as a percentage ("98.2", "99.95"); the very top reads as 99.99,
    /// since "more than 100 %" would be false.
    static func percentile(_ scale: TailScale, _ raw: Double) -> String {
        let share = min(0.9999, 1 - scale.exceedance(raw))
        return share >= 0.99 ? String(format: "%.2f", share * 100) : String(format: "%.1f", share * 100)
    }

    /// What a model's score means, in words: how it ranks among all transactions.
    static func modelReason(_ detector: Detector, raw: Double, scale: TailScale, neighbours: Int) -> String {
        let percent = percentile(scale, raw)
        switch detector {
        case .isolationForest:
            return "Isolation Forest: easier to isolate than \(percent) % of transactions (anomaly score "
                + String(format: "%.3f", raw) + ")"
        case .lstm:
            return "LSTM: less likely after the client's earlier transactions than \(percent) % of transactions (NLL "
                + String(format: "%.1f", raw) + ")"
        default:
            return "Local Outlier Factor: its neighbourhood is " + String(format: "%.1f", raw) + "× sparser than those of its "
                + "\(neighbours) nearest transactions, more than \(percent) % of transactions"
        }
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

    /// A rule's parameters as JSON, for its run.
    static func ruleParameters(_ detector: Detector, _ p: RuleSet.Parameters) throws -> String {
        let encoder = JSONEncoder.sorted
        let data: Data
        switch detector {
        case .impossibleTravel: data = try encoder.encode(p.impossibleTravel)
        case .unusualPlace: data = try encoder.encode(p.unusualPlace)
        case .unusualHour: data = try encoder.encode(p.unusualHour)
        case .unusualAmount: data = try encoder.encode(p.unusualAmount)
        case .categoryAmount: data = try encoder.encode(p.categoryAmount)
        case .overDailySpend: data = try encoder.encode(p.overDailySpend)
        case .overMonthlySpend: data = try encoder.encode(p.overMonthlySpend)
        default: data = try encoder.encode(p.burst)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The spree's reason for a transaction at `instant` whose `own` evidence the spree raised to `boosted`, following
    /// `after` (keyed by its id), the most suspicious of the `count` it follows. The contribution is `boosted − own`,
    /// worked out here for the scan and live scoring alike, so both quote it to the last bit.
    static func spreeReason(_ spree: Spree, own: Double, boosted: Double, instant: Int64, after: Spree.Earlier,
                            count: Int) -> AlertReason {
        AlertReason(detector: "spree", score: Ensemble.score(evidence: after.evidence), contribution: boosted - own,
                    text: Spree.reason(after: after, instant: instant, transactionID: after.key, count: count,
                                       windowHours: Double(spree.windowSeconds) / 3600))
    }

    static func ensembleParametersJSON(_ config: VigilConfig, detectors: Set<Detector>) throws -> String {
        var weights: [String: Double] = [:]
        for detector in detectors { weights[detector.rawValue] = config.weights[detector] ?? 0 }
        let object: [String: Any] = ["weights": weights, "model_tail": config.modelTail, "threshold": config.alertThreshold,
                                     "daily_budget": config.dailyBudget, "spree_hours": config.spreeHours,
                                     "spree_weight": config.spreeWeight, "spree_context": config.spreeContext,
                                     "spree_count": config.spreeCount]
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

/// A scan's stages and their weights: turns "this far into that stage" into `ScanProgress` for the caller, and is
/// where the scan checks for cancellation. Used on the scanning thread only.
final class ScanMeter {
    struct Stage {
        var name: String
        /// The stage's expected share of the work, in any unit common to all stages.
        var weight: Double
    }

    let stages: [Stage]
    private let total: Double
    private let cancellation: ScanCancellation?
    private let report: (ScanProgress) -> Void
    private let started = ContinuousClock.now
    private var index = 0
    /// The weight of the stages before `index`.
    private var passed = 0.0
    private var reported = 0.0
    /// Runs this scan began: a cancellation marks them cancelled.
    var begun: [Int64] = []

    init(stages: [Stage], cancellation: ScanCancellation?, report: @escaping (ScanProgress) -> Void) {
        precondition(!stages.isEmpty)
        self.stages = stages
        total = stages.reduce(0) { $0 + $1.weight }
        self.cancellation = cancellation
        self.report = report
    }

    /// For work on other threads (LOF's neighbour queries): whether the scan is cancelled.
    var shouldStop: @Sendable () -> Bool {
        guard let cancellation else { return { false } }
        return { cancellation.isCancelled }
    }

    /// Throws `ScanError.cancelled` once the scan is cancelled.
    func check() throws {
        if cancellation?.isCancelled == true { throw ScanError.cancelled }
    }

    /// Moves on to the stage named `name` (later than the current one; any between count as done) and reports it.
    func enter(_ name: String) throws {
        guard let target = stages.firstIndex(where: { $0.name == name }), target >= index else {
            preconditionFailure("no stage '\(name)' after '\(stages[index].name)'")
        }
        while index < target {
            passed += stages[index].weight
            index += 1
        }
        try advance(0)
    }

    /// Checks for cancellation, then reports `done` (0 to 1) of the current stage.
    func advance(_ done: Double) throws {
        try check()
        publish(passed + stages[index].weight * min(max(done, 0), 1))
    }

    /// Reports the whole scan done, at its last stage.
    func finish() {
        index = stages.count - 1
        publish(total)
    }

    private func publish(_ weightDone: Double) {
        let finished = weightDone >= total
        // Never backwards, and 1 only at the end (weights that add up unevenly must not reach it early).
        var fraction = total > 0 ? weightDone / total : 1
        fraction = finished ? 1 : min(max(fraction, reported), 0.999)
        reported = fraction
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        // The pace needs a little of the work and of the time behind it to mean anything.
        let left: Double? = finished ? 0 : (fraction >= 0.01 && seconds >= 0.5 ? seconds * (1 - fraction) / fraction : nil)
        report(ScanProgress(stage: stages[index].name, stageNumber: index + 1, stageCount: stages.count,
                            fraction: fraction, elapsedSeconds: seconds, secondsLeft: left))
    }
}
