import Foundation
import GRDB
import Testing
import VigilCore
import VigilDetect
@testable import VigilEngine
import VigilStore
import VigilTestSupport

/// The LSTM as a scan stage: trained once and kept in the store, reused, retrained on request, judged by eval, and
/// speaking in alerts' reasons with what it expected.
extension WholeScans {
@Suite(.serialized) struct SequenceDetectorTests {
    func options(retrain: Bool = false) -> ScanOptions {
        var config = VigilConfig()
        config.lstmEpochs = 2
        config.lstmHidden = 8
        var options = ScanOptions(detectors: [.lstm, .overDailySpend, .unusualPlace], config: config)
        options.retrainSequenceModel = retrain
        return options
    }

    func modelCount(_ store: Store) throws -> Int {
        try DatabaseQueue(path: store.path).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sequence_models") ?? -1 }
    }

    @Test func aScanTrainsOnceKeepsTheModelAndReusesItUntilRetrained() throws {
        let demo = try DemoStore(clients: 20, days: 60)
        let first = try Scanner.scan(demo.store, options: options())
        let run = try #require(first.runs.first { $0.detector == "lstm" })
        #expect(run.scored == first.transactions)
        let saved = try #require(try demo.store.latestSequenceModel(detector: "lstm"))
        #expect(saved.transactionsTrained == first.transactions, "a small store trains on every client")
        let encoder = try JSONDecoder().decode(SequenceEncoder.self, from: Data(saved.encoder.utf8))
        #expect(!encoder.categoryNames.isEmpty)
        #expect(try LSTMModel(encoded: saved.parameters).shape.hidden == 8)
        #expect(try modelCount(demo.store) == 1)
        let firstScores = try demo.store.runScores(runID: run.runID)
        #expect(firstScores.scores.count == first.transactions && firstScores.scores.allSatisfy(\.isFinite))

        // Reused: no new model, and the same scores.
        let second = try Scanner.scan(demo.store, options: options())
        #expect(try modelCount(demo.store) == 1)
        let again = try #require(second.runs.first { $0.detector == "lstm" })
        let secondScores = try demo.store.runScores(runID: again.runID)
        #expect(secondScores.ids == firstScores.ids && secondScores.scores == firstScores.scores)

        // Retrained: a new model row; with the same seed and data, the same parameters.
        _ = try Scanner.scan(demo.store, options: options(retrain: true))
        #expect(try modelCount(demo.store) == 2)
        #expect(try demo.store.latestSequenceModel(detector: "lstm")?.parameters == saved.parameters)

        // Eval judges the run beside the others.
        let evaluations = try Evaluator.evaluateLatestRuns(demo.store)
        let lstm = try #require(evaluations.first { $0.detector == "lstm" })
        #expect(lstm.rocAUC != nil)
        // Per kind of planted anomaly, the LSTM (which has no threshold of its own) is judged by its top 1 %.
        let found = lstm.recallByKind.values.reduce(0) { $0 + $1.found }
        #expect(!lstm.recallByKind.isEmpty && found <= first.transactions / 100 + 1)
    }

    @Test func aCancelledTrainingSavesNoModelAndLeavesNoRun() throws {
        let demo = try DemoStore(clients: 20, days: 60)
        let cancellation = ScanCancellation()
        #expect(throws: ScanError.cancelled) {
            _ = try Scanner.scan(demo.store, options: options(), progress: { (p: ScanProgress) in
                if p.stage == Detector.lstm.title { cancellation.cancel() }
            }, cancellation: cancellation)
        }
        #expect(try modelCount(demo.store) == 0)
        let running = try DatabaseQueue(path: demo.store.path).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM detector_runs WHERE status IN ('running', 'complete')") ?? -1
        }
        #expect(running == 0)
    }

    @Test func theReasonSaysWhatWasExpectedAndWhatCame() {
        var columns = TransactionColumns()
        columns.categoryNames = ["grocery", "electronics"]
        let t0: Int64 = 19_723 * 86_400 + 18 * 3_600
        for day in 0..<3 {
            columns.append(id: Int64(day), instant: t0 + Int64(day) * 86_400, amountMinor: 4_500, category: 0,
                           home: (40.7, -74.0), merchant: (40.75, -74.0), label: 0)
        }
        columns.append(id: 9, instant: t0 + 3 * 86_400 - 15 * 3_600 + 12 * 60, amountMinor: 124_000, category: 1,
                       home: (40.7, -74.0), merchant: (33.75, -84.39), label: 1)
        columns.endClient("C")
        let encoder = SequenceEncoder.fitting(columns.categoryNames)
        let steps = encoder.encode(columns)
        let grocery = Int32(encoder.categoryNames.firstIndex(of: "grocery")!)
        // What the model predicted for the last step: about $45 of groceries about a day after the previous one.
        let predictions = SequenceDetector.Predictions(
            expectedLogAmount: Array(repeating: SequenceEncoder.amountTarget(minorUnits: 4_500), count: 4),
            expectedCategory: Array(repeating: grocery, count: 4),
            expectedLogGap: Array(repeating: SequenceEncoder.gapTarget(seconds: 86_400), count: 4))
        let text = SequenceDetector.reason(row: 3, steps: steps, predictions: predictions, encoder: encoder,
                                           instants: columns.instants, amountMinor: 124_000, currency: "USD", share: "99.95")
        #expect(text == "LSTM: expected ~$45 (grocery, around 18:00, within 6 km); got $1,240.00 electronics at 03:12, "
                + "1,200 km from home — less likely than 99.95 % of transactions")
        #expect(SequenceDetector.rounded(1_234) == 1_200 && SequenceDetector.rounded(4.56) == 4.6)

        // A store without categories has one, named "": the reason says nothing about it.
        var plain = columns
        plain.categoryNames = ["", ""]
        let none = SequenceEncoder.fitting(plain.categoryNames)
        let unnamed = SequenceDetector.reason(row: 3, steps: none.encode(plain), predictions: SequenceDetector.Predictions(
            expectedLogAmount: predictions.expectedLogAmount, expectedCategory: [0, 0, 0, 0], expectedLogGap: predictions.expectedLogGap),
                                              encoder: none, instants: plain.instants, amountMinor: 124_000, currency: "USD", share: "99.95")
        #expect(unnamed == "LSTM: expected ~$45 (around 18:00, within 6 km); got $1,240.00 at 03:12, 1,200 km from home "
                + "— less likely than 99.95 % of transactions")
    }

    @Test func trainingPicksWholeClientsBySeedUpToTheLimit() {
        var steps = SequenceSteps(inputWidth: 1)
        for length in [5, 3, 8, 2, 6] {
            var one = SequenceSteps(inputWidth: 1)
            for _ in 0..<length {
                one.numeric.append(0); one.categories.append(0); one.logAmount.append(0); one.logGap.append(.nan); one.kmHome.append(.nan)
            }
            one.starts.append(length)
            steps.append(one)
        }
        let chosen = steps.sequences(upTo: 9, seed: 3)
        #expect(chosen == chosen.sorted())
        let total = chosen.reduce(0) { $0 + steps.starts[$1 + 1] - steps.starts[$1] }
        #expect(total >= 9 && total < 9 + 8, "whole clients until the limit is reached")
        #expect(steps.sequences(upTo: 9, seed: 3) == chosen)
        #expect(steps.sequences(upTo: 1_000, seed: 3) == [0, 1, 2, 3, 4])
    }
}
}
