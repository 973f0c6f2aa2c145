import ArgumentParser
import Foundation
import VigilCore
import VigilEngine

struct Eval: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        abstract: "Judge each detector's latest run against the store's labels.",
        discussion: """
            ROC-AUC, average precision, precision among the top 100 and top 1,000 scores, and the share of fraud
            found when 1 % of transactions are alerted, beside the same figures for ranking by amount alone
            (amount_alone). Where labels carry a kind, the recall of each kind at each detector's flag threshold and
            in the top 1 %. Only labelled transactions count.
            """)

    @OptionGroup var storeOption: StoreOption

    @Flag(name: .long, help: "Print one JSON object keyed by detector name.")
    var json = false

    func run() throws {
        let store = try storeOption.openExisting()
        let evaluations = try Evaluator.evaluateLatestRuns(store)
        let amountAlone = try Evaluator.evaluateAmountAlone(store)
        if json {
            var object: [String: Any] = [:]
            for evaluation in evaluations + [amountAlone] { object[evaluation.detector] = evaluation.jsonObject }
            try Output.writeJSON(object)
            return
        }
        guard !evaluations.isEmpty else {
            print("no detector runs yet; run `vigil scan --store \(Sanitize.line(store.path))` first")
            return
        }
        func figure(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "–" }
        func name(_ e: RunEvaluation) -> String { e.detector.padding(toLength: 18, withPad: " ", startingAt: 0) }
        print("detector            run  labelled   fraud  ROC-AUC  avg-prec  prec@100  prec@1000  recall@1%")
        for e in evaluations + [amountAlone] {
            let line = [
                name(e),
                (e.runID == 0 ? "–" : String(e.runID)).leftPadded(4),
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
        func kindTable(_ title: String, _ rows: [RunEvaluation], _ byKind: (RunEvaluation) -> [String: (total: Int, found: Int)]) {
            let kinds = Set(rows.flatMap { byKind($0).keys }).sorted()
            guard !kinds.isEmpty else { return }
            func cell(_ text: String) -> String { text.padding(toLength: 20, withPad: " ", startingAt: 0) }
            print("\n" + title)
            print("detector".padding(toLength: 19, withPad: " ", startingAt: 0) + kinds.map(cell).joined(separator: " "))
            for e in rows {
                let cells = kinds.map { kind -> String in
                    guard let r = byKind(e)[kind] else { return cell("–") }
                    return cell(String(format: "%.2f ", Double(r.found) / Double(max(1, r.total))) + "\(r.found)/\(r.total)")
                }
                print(name(e) + " " + cells.joined(separator: " "))
            }
        }
        kindTable("recall per labelled anomaly kind at each detector's flag threshold (found / total):", evaluations) { $0.recallByKind }
        kindTable("recall per labelled anomaly kind in the top 1 % of transactions (found / total):", evaluations + [amountAlone]) {
            $0.recallByKindAt1Percent
        }
        if evaluations.allSatisfy({ $0.labelled == 0 }) {
            print("(the store has no labelled transactions, so nothing can be judged)")
        }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
