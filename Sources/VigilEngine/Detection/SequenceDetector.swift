import Foundation
import VigilCore
import VigilDetect
import VigilStore

/// The LSTM as a scan stage: the model the store keeps (trained here when there is none, or on `--retrain`), every
/// transaction's negative log-likelihood under the prediction made from the client's earlier transactions, and the
/// predictions an alert's reason quotes.
struct SequenceDetector {
    /// The store's newest model and its encoder, when one is kept and not to be retrained.
    struct Saved: Sendable {
        var id: Int64
        var model: LSTMModel
        var encoder: SequenceEncoder
    }

    /// What a scan learned about each transaction, kept for the reasons of the few that become alerts.
    struct Predictions {
        var expectedLogAmount: [Float]
        var expectedCategory: [Int32]
        var expectedLogGap: [Float]
    }

    static let detector = Detector.lstm

    /// The newest saved model, unless `retrain`; nil when none is usable (none saved, or one of another shape).
    static func saved(in store: Store, retrain: Bool) throws -> Saved? {
        guard !retrain, let stored = try store.latestSequenceModel(detector: detector.rawValue) else { return nil }
        let encoder = try JSONDecoder().decode(SequenceEncoder.self, from: Data(stored.encoder.utf8))
        let model = try LSTMModel(encoded: stored.parameters)
        guard model.shape.numericInputs == SequenceEncoder.numericNames.count, model.shape.categories == encoder.categoryCount else {
            return nil
        }
        return Saved(id: stored.id, model: model, encoder: encoder)
    }

    /// Trains (when `saved` is nil) and scores every step; writes the run. Returns the raw scores (NLL, higher is
    /// more unusual) in row order, the run, and the predictions for reasons.
    static func run(steps: SequenceSteps, encoder: SequenceEncoder, saved: Saved?, ids: [Int64], options: ScanOptions,
                    store: Store, meter: ScanMeter) throws -> ([Double], ScanRun, Predictions) {
        let config = options.config
        let started = Date()
        var modelID = saved?.id
        let model: LSTMModel
        var trainedSteps = 0
        var trainingShare = 0.0
        if let saved {
            model = saved.model
        } else {
            let chosen = steps.sequences(upTo: config.lstmTrainingTransactions, seed: UInt64(config.seed))
            let training = LSTMTraining(maxEpochs: config.lstmEpochs, seed: UInt64(config.seed))
            let shape = LSTMShape(numericInputs: SequenceEncoder.numericNames.count, categories: encoder.categoryCount,
                                  hidden: config.lstmHidden)
            let subset = steps.sequences(chosen)
            trainedSteps = subset.count
            // Training is most of the stage when it happens: its share, by the work it does against scoring's.
            trainingShare = Double(trainedSteps * config.lstmEpochs) / Double(trainedSteps * config.lstmEpochs + steps.count)
            let epochs = config.lstmEpochs
            let (trained, report) = try LSTMModel.train(subset.data, shape: shape, training: training, progress: { epoch, _, _ in
                try? meter.advance(trainingShare * Double(epoch) / Double(epochs))
            }, shouldStop: meter.shouldStop)
            try meter.check()
            model = trained
            let encoderJSON = String(decoding: try JSONEncoder.sorted.encode(encoder), as: UTF8.self)
            modelID = try store.saveSequenceModel(StoredSequenceModel(
                detector: detector.rawValue, createdAt: Int64(Date().timeIntervalSince1970), transactionsTrained: trainedSteps,
                encoder: encoderJSON, training: String(decoding: try JSONEncoder.sorted.encode(training), as: UTF8.self),
                report: String(decoding: try JSONEncoder.sorted.encode(report), as: UTF8.self), parameters: trained.encoded()))
        }
        try meter.advance(trainingShare)
        let parameters: [String: Any] = [
            "model_id": modelID ?? 0, "trained_now": saved == nil, "transactions_trained": trainedSteps,
            "hidden": model.shape.hidden, "embedding": model.shape.embedding, "categories": model.shape.categories,
            "inputs": SequenceEncoder.numericNames.joined(separator: ","),
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys]), as: UTF8.self)
        return try meter.run(of: detector.rawValue, parameters: json, seed: Int64(config.seed), in: store) { runID in
            let scored = model.score(steps.data)
            try meter.advance(0.98)
            let raw = scored.map { Double($0.nll) }
            let predictions = Predictions(expectedLogAmount: scored.map(\.expectedLogAmount),
                                          expectedCategory: scored.map(\.expectedCategory),
                                          expectedLogGap: scored.map(\.expectedLogGap))
            let seconds = Date().timeIntervalSince(started)
            let writeStart = Date()
            // A model flags nothing by itself: it speaks through the ensemble, in its top tail.
            try store.finishDetectorRun(runID, transactionIDs: ids, scores: raw, flagged: 0,
                                        timings: String(format: "{\"train_and_score\":%.3f}", seconds), storage: .blocks)
            return (raw, ScanRun(detector: detector.rawValue, title: detector.title, runID: runID, scored: raw.count, flagged: 0,
                                 seconds: seconds, writeSeconds: Date().timeIntervalSince(writeStart)), predictions)
        }
    }

    /// "expected ~$45 (grocery, around 18:00, within 10 km); got $1,240.00 electronics at 03:12, 820 km away".
    static func reason(row: Int, steps: SequenceSteps, predictions: Predictions, encoder: SequenceEncoder, instants: [Int64],
                       amountMinor: Int64, currency: String, share: String) -> String {
        let expectedAmount = SequenceEncoder.amount(fromTarget: predictions.expectedLogAmount[row])
        let expected = "~" + Money(minorUnits: Money.minorUnits(clamping: rounded(expectedAmount) * 100), currency: currency).description
            .replacingOccurrences(of: ".00", with: "")
        var context = [Formatting.categoryWord(encoder.categoryName(predictions.expectedCategory[row]))].compactMap { $0 }
        // The time it was due: the previous transaction plus the expected gap (none before a client's first).
        if steps.sequenceStart(of: row) < row {
            let due = Double(instants[row - 1]) + SequenceEncoder.gapSeconds(fromTarget: predictions.expectedLogGap[row])
            if due.isFinite, abs(due) < 1e12 {
                let c = CivilTime.components(Int64(due))
                context.append(String(format: "around %02d:00", c.hour))
            }
        }
        if let usual = steps.usualKmHome(before: row) { context.append("within \(Formatting.grouped(Int(max(1, usual.rounded(.up))))) km") }
        let c = CivilTime.components(instants[row])
        var got = Money(minorUnits: amountMinor, currency: currency).description
            + (Formatting.categoryWord(encoder.categoryName(steps.categories[row])).map { " " + $0 } ?? "")
            + String(format: " at %02d:%02d", c.hour, c.minute)
        let km = steps.kmHome[row]
        if !km.isNaN { got += ", \(Formatting.grouped(Int(Double(km).rounded()))) km from home" }
        return "LSTM: expected " + expected + (context.isEmpty ? "" : " (" + context.joined(separator: ", ") + ")") + "; got " + got + " — less likely than \(share) % of transactions"
    }

    /// Two significant figures: "~$45", "~$1,200".
    static func rounded(_ value: Double) -> Double {
        guard value >= 10 else { return (value * 10).rounded() / 10 }
        let magnitude = pow(10, floor(log10(value)) - 1)
        return (value / magnitude).rounded() * magnitude
    }
}
