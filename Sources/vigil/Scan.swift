import ArgumentParser
import Foundation
import VigilApp
import VigilCore
import VigilDetect
import VigilEngine
import VigilStore

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the detectors over every transaction and refresh the alert queue.",
        discussion: """
            Runs the Isolation Forest and LOF on the transaction features and the LSTM on each client's sequence (each \
            fitted the first time, kept in the store, and reused by later scans and live scoring while the settings \
            it depends on are unchanged, until --retrain), and every behavioural rule (impossible \
            travel, card testing, unusual place, over usual daily and monthly spend, unusual hour, burst), writes one \
            detector run each, combines them into the ensemble score and refreshes the alert queue: new alerts open, \
            open ones are updated, and alerts an analyst has triaged are never touched. Labels are never used; \
            `vigil eval` judges the runs against them. Settings (weights, threshold, daily budget, rule parameters) \
            come from --config.
            """)

    @OptionGroup var storeOption: StoreOption
    @OptionGroup var configOption: ConfigOption

    @Option(name: .long, help: ArgumentHelp("Comma-separated detectors and groups (default: all).", argumentType: DetectorSelection.self),
            transform: { try DetectorSelection(parsing: $0) })
    var detectors: DetectorSelection = .all

    @Option(name: .long, help: "Seed for every random choice (overrides scan.seed): the same seed gives the same scores.")
    var seed: Int?

    @Option(name: .long, help: "LOF is fitted on at most this many transactions (overrides lof.reference_limit).")
    var lofReference: Int?

    @Flag(name: .long, help: "Write the detector runs but leave the alert queue as it is.")
    var noAlerts = false

    @Flag(name: .long, help: "Fit Isolation Forest and LOF and train the LSTM afresh, even when the store keeps fitted ones.")
    var retrain = false

    func validate() throws {
        if let lofReference, lofReference < 2 { throw ValidationError("--lof-reference must be at least 2") }
        if let seed, seed < 0 { throw ValidationError("--seed must be 0 or more") }
    }

    func run() throws {
        var config = try configOption.load()
        if let seed { config.seed = seed }
        if let lofReference { config.lofReferenceLimit = lofReference }
        let store = try storeOption.openExisting()
        var options = ScanOptions(detectors: detectors.detectors, config: config)
        options.fillAlerts = !noAlerts
        options.retrainSequenceModel = retrain
        let progress = ProgressLine()
        let report = try Scanner.scan(store, options: options, progress: { (p: ScanProgress) in progress.update(p.description) })
        progress.clear()
        guard !report.runs.isEmpty else {
            print("\(Sanitize.line(store.path)): \(report.transactions) transactions; nothing to score")
            return
        }
        print("\(Sanitize.line(store.path)): \(Formatting.grouped(report.transactions)) transactions read; features, rules and \(Formatting.grouped(report.profiles)) client profiles in \(seconds(report.passSeconds))")
        for run in report.runs {
            let reused = report.reused.contains { $0.rawValue == run.detector }
            let timing = run.seconds > 0 ? (reused ? "score" : "fit and score") + " \(seconds(run.seconds)), " : ""
            print("  \(run.title) (run #\(run.runID)): flagged \(Formatting.grouped(run.flagged)); \(timing)write \(seconds(run.writeSeconds))")
        }
        if let ensemble = report.ensembleRunID {
            if !report.reused.isEmpty {
                print("  scored with the fitted \(report.reused.map(\.title).joined(separator: ", ")) kept from an earlier scan "
                      + "(the same settings); --retrain fits them afresh")
            }
            print("  ensemble (run #\(ensemble)): \(Formatting.grouped(report.alertsSelected)) transactions at or above \(config.alertThreshold)"
                  + (config.dailyBudget > 0 ? " within \(Formatting.grouped(config.dailyBudget)) a day" : ""))
        }
        if let alerts = report.alerts {
            print("alert queue: \(Formatting.grouped(alerts.opened)) opened, \(Formatting.grouped(alerts.updated)) updated, "
                  + "\(Formatting.grouped(alerts.unchanged)) unchanged, "
                  + "\(Formatting.grouped(alerts.keptTriaged)) already triaged (left as they were), \(Formatting.grouped(alerts.withdrawn)) withdrawn")
        }
        if report.runsPruned > 0 {
            print("removed \(Formatting.grouped(report.runsPruned)) older runs with their scores (each detector keeps its newest \(Store.runsKeptPerDetector))")
        }
        print("done in \(seconds(report.totalSeconds)); see the queue with `vigil alerts`, judge the runs with `vigil eval`")
    }

    private func seconds(_ s: Double) -> String { String(format: "%.2f s", s) }
}

struct Alerts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the alert queue, highest score first, with every alert's reasons.")

    @OptionGroup var storeOption: StoreOption

    @Option(name: .long, help: "Show at most this many alerts.")
    var limit: Int = 20

    @Option(name: .long, help: "Alerts of this status: open, confirmed_fraud, false_positive, escalated, needs_info, or all.")
    var status: String = "open"

    @Flag(name: .long, help: "Print a JSON array.")
    var json = false

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        guard status == "all" || AlertStatus(rawValue: status) != nil else {
            throw ValidationError("unknown status '\(Sanitize.line(status))'; choose from \((AlertStatus.allCases.map(\.rawValue) + ["all"]).joined(separator: ", "))")
        }
    }

    func run() throws {
        let store = try storeOption.openExisting()
        let alerts = try store.alerts(limit: limit, status: status == "all" ? nil : AlertStatus(rawValue: status))
        if json {
            let objects: [[String: Any]] = alerts.map { a in
                [
                    "id": a.id, "transaction_id": a.transactionID, "client": a.clientID,
                    "time": CivilTime.format(a.instant), "amount_minor": a.amountMinor, "currency": a.currency,
                    "merchant": a.merchant, "category": a.category, "score": a.score, "status": a.status,
                    "assignee": a.assignee as Any? ?? NSNull(),
                    "reasons": a.reasons.map { ["detector": $0.detector, "score": $0.score, "contribution": $0.contribution, "text": $0.text] },
                ]
            }
            try Output.writeJSON(objects)
            return
        }
        guard !alerts.isEmpty else {
            let counts = try store.alertCounts()
            print(counts.isEmpty ? "no alerts yet; run `vigil scan --store \(Sanitize.line(store.path))`"
                                 : "no \(status == "all" ? "" : status + " ")alerts (\(counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))")
            return
        }
        for a in alerts {
            let head = "#\(a.id)  " + String(format: "%.3f", a.score) + "  \(CivilTime.format(a.instant))  "
                + "\(Money(minorUnits: a.amountMinor, currency: a.currency))  client \(a.clientID)  \(a.merchant) (\(a.category))"
                + (a.status == "open" ? "" : "  [\(a.status)]")
            print(Sanitize.line(head))
            for reason in a.reasons {
                print("    " + Sanitize.line(String(format: "+%.2f ", reason.contribution) + reason.text))
            }
        }
    }
}

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or check the settings: detector weights, alert threshold and budget, rule parameters.")

    @OptionGroup var configOption: ConfigOption

    @Flag(name: .long, help: "Print every setting with its default and meaning, as a TOML file to start from.")
    var printDefaults = false

    func run() throws {
        if printDefaults {
            print(VigilConfig().tomlText(), terminator: "")
            return
        }
        let config = try configOption.load()
        print(config.tomlText(), terminator: "")
    }
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

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
