import ArgumentParser
import Foundation
import VigilCore
import VigilEngine

struct Eval: ParsableCommand, StoreOptionCommand {
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
            try Output.writeJSON(object)
            return
        }
        guard !evaluations.isEmpty else {
            print("no detector runs yet; run `vigil scan --store \(Sanitize.line(store.path))` first")
            return
        }
        func figure(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "–" }
        print("detector            run  labelled   fraud  ROC-AUC  avg-prec  prec@100  prec@1000  recall@1%")
        for e in evaluations {
            let line = [
                e.detector.padding(toLength: 18, withPad: " ", startingAt: 0),
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
        let kinds = Set(evaluations.flatMap { $0.recallByKind.keys }).sorted()
        if !kinds.isEmpty {
            print("\nrecall per labelled anomaly kind (found / total):")
            print("detector          " + kinds.map { $0.padding(toLength: 14, withPad: " ", startingAt: 0) }.joined(separator: " "))
            for e in evaluations {
                let cells = kinds.map { kind -> String in
                    guard let r = e.recallByKind[kind] else { return "–".padding(toLength: 14, withPad: " ", startingAt: 0) }
                    return String(format: "%.2f ", Double(r.found) / Double(max(1, r.total)))
                        .appending("\(r.found)/\(r.total)").padding(toLength: 14, withPad: " ", startingAt: 0)
                }
                print(e.detector.padding(toLength: 18, withPad: " ", startingAt: 0) + cells.joined(separator: " "))
            }
        }
        if evaluations.allSatisfy({ $0.labelled == 0 }) {
            print("(the store has no labelled transactions, so nothing can be judged)")
        }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
