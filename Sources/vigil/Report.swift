import ArgumentParser
import Foundation
import VigilApp
import VigilCore
import VigilStore

struct Report: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export cases (their alerts, decisions, analysts, notes, reasons and history) as CSV, JSON or Markdown.",
        discussion: """
            By default every case with a decided alert; --case and --status choose others. CSV has one line per alert
            (with its case's id and status), JSON one object per case with its alerts and events nested, Markdown one
            section per case with the client's hour × weekday and location maps. Card numbers are masked.
            """)

    @OptionGroup var storeOption: StoreOption
    @OptionGroup var configOption: ConfigOption

    @Option(name: .long, help: "csv, json or md (Markdown, with each case's client's hour × weekday and location maps).")
    var format: CaseReport.Format = .md

    @Option(name: .customLong("case"), help: ArgumentHelp("Only this case, decided or not (repeat for several).", valueName: "ID"))
    var caseIDs: [Int64] = []

    @Option(name: .long, help: "Only cases of this status: open, snoozed, decided, or all (then with or without a decision).")
    var status: String?

    @Option(name: .long, help: ArgumentHelp("Only cases with an alert decided on or after this UTC day.", valueName: "YYYY-MM-DD"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Write the report to this file (mode 0600, replaced whole; never through a link) instead of standard output.", valueName: "FILE"))
    var out: String?

    func validate() throws {
        _ = try sinceInstant()
        if let id = caseIDs.first(where: { $0 < 1 }) { throw ValidationError("case ids are positive, not \(id)") }
        if let status, status != "all", CaseStatus(rawValue: status) == nil {
            throw ValidationError("unknown status '\(Sanitize.line(status))'; choose from "
                                  + (CaseStatus.allCases.map(\.rawValue) + ["all"]).joined(separator: ", "))
        }
    }

    private func sinceInstant() throws -> Int64? {
        guard let since else { return nil }
        guard let day = CivilTime.parseDay(since) else { throw ValidationError("--since must be a day like 2025-03-01, not '\(since)'") }
        return day
    }

    func run() throws {
        let store = try storeOption.openExisting()
        if store.isReadOnly {
            // Alerts of a store scanned before cases existed are in no case until a writable open places them.
            let unplaced = try store.decidedAlertsInNoCase()
            if unplaced > 0 {
                printError("\(Formatting.grouped(unplaced)) decided alert\(unplaced == 1 ? " is" : "s are") in no case yet and left out: "
                           + "the store is read-only (any writable `vigil report` or scan puts them into cases)")
            }
        } else {
            // As a scan would place them; a no-op when every alert has its case.
            try store.refreshCases(gapSeconds: try configOption.load().caseGapSeconds)
        }
        let selection = ReportSelection(caseIDs: caseIDs, statuses: status.map { CaseStatus(rawValue: $0).map { [$0] } ?? Set(CaseStatus.allCases) },
                                        since: try sinceInstant())
        let cases: [ReportedCase]
        do { cases = try store.reportCases(selection) } catch let error as TriageError { throw TriageCommandError(message: error.description) }
        var clients: [String: ClientActivity] = [:]
        if format == .md {
            for clientID in Set(cases.map(\.summary.clientID)) { clients[clientID] = try store.clientActivity(clientID: clientID) }
        }
        let text = try CaseReport.render(cases, format: format, clients: clients)
        guard let out else {
            Output.write(text)
            return
        }
        try PrivateFile.write(text, to: out)
        let alerts = cases.reduce(0) { $0 + $1.alerts.count }
        printError("\(Sanitize.line(out)): \(Formatting.grouped(cases.count)) case\(cases.count == 1 ? "" : "s"), "
                   + "\(Formatting.grouped(alerts)) alert\(alerts == 1 ? "" : "s")")
    }
}

extension CaseReport.Format: ExpressibleByArgument {}
