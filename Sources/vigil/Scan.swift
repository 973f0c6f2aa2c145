import ArgumentParser
import Foundation
import VigilApp
import VigilCore
import VigilStore

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit the model-based detectors and score every transaction.",
        discussion: """
            Computes the features (each transaction against its client's earlier history), fits each detector and
            writes one detector run with its parameters, seed, timings and every transaction's score. Labels are
            never used for fitting; `vigil eval` judges the runs against them.
            """)

    @OptionGroup var storeOption: StoreOption

    @Option(name: .long, help: "Comma-separated detectors: iforest, lof (default: both).")
    var detectors: String = DetectorKind.allCases.map(\.rawValue).joined(separator: ",")

    @Option(name: .long, help: "Seed for every random choice: the same seed gives the same scores.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "LOF is fitted on at most this many transactions (a seeded sample) and scores the rest as new.")
    var lofReference: Int = 20_000

    func validate() throws {
        _ = try chosenDetectors()
        guard lofReference >= 2 else { throw ValidationError("--lof-reference must be at least 2") }
    }

    func chosenDetectors() throws -> [DetectorKind] {
        let names = detectors.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw ValidationError("--detectors is empty; choose from iforest, lof") }
        return try names.map { name in
            guard let kind = DetectorKind(rawValue: name) else {
                throw ValidationError("unknown detector '\(Sanitize.line(name))'; choose from iforest, lof")
            }
            return kind
        }
    }

    func run() throws {
        let store = try storeOption.openExisting()
        var options = ScanOptions(detectors: try chosenDetectors(), seed: seed)
        options.lofReferenceLimit = lofReference
        let progress = ProgressLine()
        let started = Date()
        let report = try Scanner.scan(store, options: options) { progress.update($0) }
        progress.clear()
        guard !report.runs.isEmpty else {
            print("\(Sanitize.line(store.path)): \(report.transactions) transactions; nothing to score")
            return
        }
        print("\(Sanitize.line(store.path)): \(Formatting.grouped(report.transactions)) transactions, features in \(seconds(report.featureSeconds))")
        for run in report.runs {
            print("  \(run.detector.title) (run #\(run.runID)): flagged \(Formatting.grouped(run.flagged)); "
                  + "fit \(seconds(run.fitSeconds)), score \(seconds(run.scoreSeconds)), write \(seconds(run.writeSeconds))")
        }
        print("done in \(seconds(Date().timeIntervalSince(started))); judge the runs with `vigil eval`")
    }

    private func seconds(_ s: Double) -> String { String(format: "%.2f s", s) }
}

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Judge each detector's latest run against the store's labels.",
        discussion: """
            ROC-AUC, average precision, precision among the top 100 and top 1,000 scores, and the share of fraud
            found when 1 % of transactions are alerted. Only labelled transactions count.
            """)

    @OptionGroup var storeOption: StoreOption

    @Flag(name: .long, help: "Print one JSON object keyed by detector name.")
    var json = false

    func run() throws {
        let store = try storeOption.openExisting()
        let evaluations = try Evaluator.evaluateLatestRuns(store)
        if json {
            var object: [String: Any] = [:]
            for evaluation in evaluations { object[evaluation.detector] = evaluation.jsonObject }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        guard !evaluations.isEmpty else {
            print("no detector runs yet; run `vigil scan --store \(Sanitize.line(store.path))` first")
            return
        }
        func figure(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "–" }
        print("detector  run  labelled   fraud  ROC-AUC  avg-prec  prec@100  prec@1000  recall@1%")
        for e in evaluations {
            let line = [
                e.detector.padding(toLength: 8, withPad: " ", startingAt: 0),
                String(e.runID).leftPadded(4),
                Formatting.grouped(e.labelled).leftPadded(9),
                Formatting.grouped(e.positives).leftPadded(7),
                figure(e.rocAUC).leftPadded(8),
                figure(e.averagePrecision).leftPadded(9),
                figure(e.precisionAt100).leftPadded(9),
                figure(e.precisionAt1000).leftPadded(10),
                figure(e.recallAt1Percent).leftPadded(10),
            ].joined(separator: " ")
            print(line)
        }
        if evaluations.allSatisfy({ $0.labelled == 0 }) {
            print("(the store has no labelled transactions, so nothing can be judged)")
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
