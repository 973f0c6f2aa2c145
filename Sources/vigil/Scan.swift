import ArgumentParser
import Foundation
import VigilCore
import VigilDetect
import VigilEngine
import VigilStore

struct Scan: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the detectors over every transaction and refresh the alert queue.",
        discussion: """
            Runs the Isolation Forest and LOF on the transaction features and the LSTM on each client's sequence (each \
            fitted the first time, kept in the store, and reused by later scans and live scoring while the settings \
            it depends on are unchanged, until --retrain), and every behavioural rule (impossible \
            travel, card testing, unusual place, over usual daily and monthly spend, unusual hour, burst), writes one \
            detector run each, combines them into the ensemble score and refreshes the alert queue: new alerts open, \
            open ones are updated, and alerts an analyst has triaged are never touched; new alerts go into cases (`vigil \
            cases`). Labels are never used; \
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

    @Option(name: .long, help: ArgumentHelp("For evaluation on labelled data: take the store's labels as outcomes known this many days after each transaction (the delayed-feedback protocol).", valueName: "days"))
    var feedbackDelay: Double?

    func validate() throws {
        if let feedbackDelay, !(feedbackDelay >= 0 && feedbackDelay <= 3_650) {
            throw ValidationError("--feedback-delay must be a number of days from 0 to 3650, not \(feedbackDelay)")
        }
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
        options.feedbackDelayDays = feedbackDelay
        let progress = ProgressLine()
        let report = try Scanner.scan(store, options: options, progress: { (p: ScanProgress) in progress.update(p.description) })
        progress.clear()
        guard !report.runs.isEmpty else {
            print("\(Sanitize.line(store.path)): \(report.transactions) transactions; nothing to score")
            return
        }
        print("\(Sanitize.line(store.path)): \(Formatting.grouped(report.transactions)) transactions read; features, rules and \(Formatting.grouped(report.profiles)) client profiles in \(seconds(report.passSeconds))")
        if report.outcomesApplied > 0 || report.outcomesIgnored > 0 || feedbackDelay != nil {
            print("  outcomes: \(Formatting.grouped(report.outcomesApplied)) applied, each only to transactions after it became known"
                + (feedbackDelay.map { "; labels taken as known \(String(format: "%g", $0)) days late" } ?? "")
                + (report.outcomesIgnored > 0 ? "; \(Formatting.grouped(report.outcomesIgnored)) named transactions too old to matter" : ""))
        }
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
            for (detector, configured, earned) in report.weights where configured > 0 {
                print("  weight of \(detector.title): " + String(format: "%.2f of %.2f", earned, configured)
                      + (report.earned?.fits.first { $0.detector == detector }.map(Self.describe) ?? ""))
            }
            print("  ensemble (run #\(ensemble)): \(Formatting.grouped(report.alertsSelected)) transactions at or above \(config.alertThreshold)"
                  + (config.dailyBudget > 0 ? " within \(Formatting.grouped(config.dailyBudget)) a day" : ""))
        }
        if let alerts = report.alerts {
            print("alert queue: \(Formatting.grouped(alerts.opened)) opened, \(Formatting.grouped(alerts.updated)) updated, "
                  + "\(Formatting.grouped(alerts.unchanged)) unchanged, "
                  + "\(Formatting.grouped(alerts.keptTriaged)) already triaged (left as they were), \(Formatting.grouped(alerts.withdrawn)) withdrawn")
        }
        if let cases = report.cases, cases.alertsPlaced > 0 {
            print("cases: \(Formatting.grouped(cases.alertsPlaced)) new alerts placed, \(Formatting.grouped(cases.opened)) new cases, "
                  + "\(Formatting.grouped(cases.grown)) grown; see them with `vigil cases`")
        }
        if report.runsPruned > 0 {
            print("removed \(Formatting.grouped(report.runsPruned)) older runs with their scores (each detector keeps its newest \(Store.runsKeptPerDetector))")
        }
        print("done in \(seconds(report.totalSeconds)); see the queue with `vigil alerts`, judge the runs with `vigil eval`")
    }

    private func seconds(_ s: Double) -> String { String(format: "%.2f s", s) }

    /// Why a detector earned its weight: "; lift 24.1 (812 of its top 2,552 among the others' top 2,553)".
    static func describe(_ fit: EarnedWeights.Fit) -> String {
        String(format: "; lift %.1f", fit.lift) + " (\(Formatting.grouped(fit.agreeing)) of its top \(Formatting.grouped(fit.tail)) "
            + "among the top \(Formatting.grouped(fit.reference)) of the detectors that judge it)"
    }
}
