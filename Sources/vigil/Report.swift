import ArgumentParser
import VigilApp
import VigilCore
import VigilStore

struct Report: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export triaged cases (transaction, decision, analyst, notes, reasons) as CSV, JSON or Markdown.")

    @OptionGroup var storeOption: StoreOption

    @Option(name: .long, help: "csv, json or md (Markdown, with each client's hour × weekday and location heatmaps).")
    var format: CaseReport.Format = .md

    @Option(name: .long, help: ArgumentHelp("Only cases decided on or after this UTC day.", valueName: "YYYY-MM-DD"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Write the report to this file (mode 0600, replaced whole; never through a link) instead of standard output.", valueName: "FILE"))
    var out: String?

    func validate() throws { _ = try sinceInstant() }

    private func sinceInstant() throws -> Int64? {
        guard let since else { return nil }
        guard let day = CivilTime.parseDay(since) else { throw ValidationError("--since must be a day like 2025-03-01, not '\(since)'") }
        return day
    }

    func run() throws {
        let store = try storeOption.openExisting()
        let cases = try store.triagedCases(since: try sinceInstant())
        var clients: [String: ClientActivity] = [:]
        if format == .md {
            for clientID in Set(cases.map(\.alert.clientID)) { clients[clientID] = try store.clientActivity(clientID: clientID) }
        }
        let text = try CaseReport.render(cases, format: format, clients: clients)
        guard let out else {
            Output.write(text)
            return
        }
        try PrivateFile.write(text, to: out)
        printError("\(Sanitize.line(out)): \(Formatting.grouped(cases.count)) case\(cases.count == 1 ? "" : "s")")
    }
}

extension CaseReport.Format: ExpressibleByArgument {}
