import Foundation
import VigilCore
import VigilDetect
import VigilStore

/// Runs the detectors over every transaction of a store, writes one detector run each, combines them into the
/// ensemble, and refreshes the alert queue. Labels are carried for evaluation only; nothing here reads them.
public enum Scanner {
    /// Isolation Forest flags a score above 0.5 (scikit-learn's `offset_` of −0.5 with contamination "auto").
    public static let isolationThreshold = 0.5
    /// LOF flags a factor above 1.5 (scikit-learn's `offset_` of −1.5).
    public static let factorThreshold = 1.5

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
        // Suppressions and allow and deny lists: the rows they name, found in the pass.
        let lists = try ListPolicy.load(store, threshold: config.alertThreshold)
        var listed = ListPolicy.Rows()
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
        // The cross-card detectors see every row again after the pass, in time order across cards.
        let crossCardDetectors = Set(CrossCard.detectors.filter(rules.contains))
        var crossCard = CrossCardRunner(CrossCard(parameters: config.crossCard, currency: currency, enabled: crossCardDetectors))
        var crossCardInput = CrossCardInput()
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
            listed.take(lists, chunk, offset: offset)
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
            if !crossCardDetectors.isEmpty || options.feedbackDelayDays != nil {
                timed("cross_card") {
                    crossCardInput.append(chunk, firstClient: clientStarts.count - chunk.clientCount, runner: &crossCard,
                                          labels: options.feedbackDelayDays != nil)
                }
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
        if !crossCardDetectors.isEmpty {
            try timed("cross_card") {
                var outcomes = try store.outcomeEvents()
                if let days = options.feedbackDelayDays {
                    outcomes += crossCardInput.delayedLabels(ids: ids, instants: instants, delaySeconds: Int64(days * 86_400))
                }
                crossCard.take(outcomes)
                hits += crossCardInput.hits(runner: &crossCard, ids: ids, instants: instants)
            }
        }
        // Each client's profile as of their last transaction, for the workbench and for live scoring.
        try meter.advance(shares.beforeSaving)
        try timed("save_profiles") { try store.saveProfiles(profiles) }
        var report = ScanReport(transactions: ids.count, passSeconds: Date().timeIntervalSince(started), runs: [])
        report.profiles = profiles.count
        report.stageSeconds = seconds
        report.outcomesApplied = crossCard.appliedOutcomes
        report.outcomesIgnored = crossCard.state.ignoredOutcomes
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
        var rawScores: [Detector: [Double]] = [:]
        var scales: [Detector: TailScale] = [:]
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
            rawScores[detector] = raw
            scales[detector] = scale
        }
        // The share of its weight each detector earns on this store (`EarnedWeights`), fitted with the detectors and
        // kept with them, so that a scan reusing them and live scoring weigh alike.
        if fittedNow || kept.shares.isEmpty {
            // Label-free: the detectors that learn from outcomes neither earn nor judge (they keep their weights),
            // so that no weight, and through it no earlier score, depends on what became known later; nor do leads.
            let earned = EarnedWeights.fit(rowCount: ids.count,
                                           columns: EarnedWeights.columns(dense: dense, hits: hits.filter(\.detector.earnsWeight)),
                                           ensemble: config.ensemble)
            report.earned = earned
            if !models.isEmpty && kept.shares != earned.shares { fittedNow = true }
            kept.shares = earned.shares
        }
        if fittedNow {
            kept.throughTransaction = ids.max() ?? 0
            kept.storedID = try store.saveFittedModels(kept.stored(createdAt: Int64(Date().timeIntervalSince1970)))
        }

        stage("models")
        // Rules: one run each, holding the transactions it flagged with their reasons.
        let hitsByDetector = Dictionary(grouping: hits, by: \.detector)
        let chosenRules = Detector.rules.filter(rules.contains)
        if !chosenRules.isEmpty { try meter.enter(ScanProgress.rules) }
        for (position, detector) in chosenRules.enumerated() {
            try meter.advance(Double(position) / Double(chosenRules.count))
            let mine = hitsByDetector[detector] ?? []
            let parameters = try ruleParameters(detector, config.rules, crossCard: config.crossCard)
            var writeStart = Date()
            let runID = try meter.run(of: detector.rawValue, parameters: parameters, seed: nil, in: store) { runID in
                writeStart = Date()
                try store.finishDetectorRun(runID, transactionIDs: mine.map { ids[$0.row] }, scores: mine.map(\.score),
                                            reasons: mine.map(\.reason), transactionsScored: ids.count, flagged: mine.count,
                                            timings: String(format: "{\"pass\":%.3f}", report.passSeconds))
                return runID
            }
            report.runs.append(ScanRun(detector: detector.rawValue, title: detector.title, runID: runID, scored: ids.count,
                                       flagged: mine.count, seconds: 0, writeSeconds: Date().timeIntervalSince(writeStart)))
        }

        stage("rule_runs")
        // The ensemble over whatever ran.
        try meter.enter(ScanProgress.ensemble)
        let composer = EvidenceComposer(ensemble: kept.ensemble(config), scales: scales, spree: config.spree,
                                        neighbourCount: config.neighbourCount)
        let ownEvidence = listed.suppressing(composer.evidence(rowCount: ids.count, normalised: dense, hits: hits),
                                             composer: composer, normalised: dense, hits: hits)
        let (evidence, spreeAfter, spreeEarlier) = composer.spree.apply(evidence: ownEvidence, instants: instants,
                                                 clientStarts: clientStarts + [ids.count])
        let scores = listed.denying(evidence).map(Ensemble.score(evidence:))
        let ensembleParameters = try ensembleParametersJSON(config, detectors: options.detectors, ensemble: composer.ensemble)
        let selected = listed.select(scores: scores, instants: instants, threshold: config.alertThreshold,
                                       dailyBudget: config.dailyBudget)
        try meter.advance(0.5)
        let ensembleRun = try meter.run(of: "ensemble", parameters: ensembleParameters, seed: Int64(config.seed), in: store) { runID in
            try store.finishDetectorRun(runID, transactionIDs: ids, scores: scores, flagged: selected.count, timings: "{}",
                                        storage: .blocks)
            return runID
        }
        report.ensembleRunID = ensembleRun
        report.weights = Detector.allCases.filter(options.detectors.contains).map { ($0, config.ensemble.weight($0), composer.ensemble.weight($0)) }
        report.alertsSelected = selected.count
        stage("ensemble")

        if options.fillAlerts {
            try meter.enter(ScanProgress.alertQueue)
            var hitsByRow: [Int: [RuleHit]] = [:]
            let wanted = Set(selected)
            for hit in hits where wanted.contains(hit.row) { hitsByRow[hit.row, default: []].append(hit) }
            let candidates = selected.map { row -> AlertCandidate in
                var raw = DetectorScores(), normalised = DetectorScores()
                for (detector, _) in composer.models {
                    raw[detector] = rawScores[detector]![row]
                    normalised[detector] = dense[detector]![row]
                }
                var rowHits = hitsByRow[row] ?? []
                var spreePart: EvidenceComposer.SpreePart?
                if spreeAfter[row] >= 0 {
                    let earlier = Int(spreeAfter[row])
                    spreePart = .init(after: Spree.Earlier(instant: instants[earlier], evidence: ownEvidence[earlier], key: ids[earlier]),
                                      count: Int(spreeEarlier[row]), own: ownEvidence[row], boosted: evidence[row],
                                      instant: instants[row])
                }
                var parts = composer.parts(raw: raw, hits: rowHits, normalised: normalised)
                listed.verdicts[row]?.mask(&parts, hits: &rowHits)
                var reasons = composer.reasons(parts: parts, raw: raw, hits: rowHits, spree: spreePart) { detector, share in
                    guard detector == .lstm, let predictions, let encoder else { return nil }
                    return SequenceDetector.reason(row: row, steps: steps, predictions: predictions, encoder: encoder,
                                                   instants: instants, amountMinor: amounts[row], currency: currency, share: share)
                }
                if let verdict = listed.verdicts[row] { reasons = verdict.reasons(reasons) }
                return AlertCandidate(transactionID: ids[row], score: scores[row], reasons: reasons)
            }
            // The last check: the refresh is one transaction, and once it has committed the scan has done its work.
            try meter.check()
            report.alerts = try store.refreshAlerts(candidates)
            report.cases = try store.refreshCases(gapSeconds: config.caseGapSeconds)
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
}
