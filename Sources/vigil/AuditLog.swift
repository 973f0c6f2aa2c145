import ArgumentParser
import VigilCore

extension Audit {
    struct Log: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(abstract: "List the triage events of an alert or a case, or the latest ones.")

        @OptionGroup var storeOption: StoreOption

        @Option(name: .long, help: "Only this alert's events.")
        var alert: Int64?

        @Option(name: .customLong("case"), help: ArgumentHelp("Only this case's own events and its case decisions.", valueName: "ID"))
        var caseID: Int64?

        @Option(name: .long, help: "At most this many of the latest events (without --alert).")
        var limit: Int = 50

        func run() throws {
            let store = try storeOption.openExisting()
            let events = try alert.map { try store.triageEvents(ofAlert: $0) }
                ?? caseID.map { try store.caseEvents(id: $0) } ?? store.latestTriageEvents(limit: limit)
            for event in events {
                guard event.alertID != 0 || event.caseID != nil else {
                    // A list change: what the entry was and became, with card numbers masked as everywhere.
                    var line = "#\(event.id) \(CivilTime.format(event.at)) \(event.madeBy) \(event.action)"
                    line += ": " + [event.fromStatus, event.toStatus].compactMap { $0 }.joined(separator: " → ")
                    if let note = event.note { line += "; note: " + note }
                    let words = line.split(separator: " ", omittingEmptySubsequences: false).map { CardNumber.masked(String($0)) }
                    print(Sanitize.line(words.joined(separator: " ")))
                    continue
                }
                // A case's own event (an assignment, a snooze) names no alert; a case decision names both.
                let subject = [event.alertID == 0 ? nil : "alert #\(event.alertID)", event.caseID.map { "case #\($0)" }]
                    .compactMap { $0 }.joined(separator: " ")
                var line = "#\(event.id) \(CivilTime.format(event.at)) \(subject) \(event.madeBy) \(event.action)"
                if let from = event.fromStatus, let to = event.toStatus {
                    line += " \(from) → \(to)"
                } else if event.alertID == 0, event.fromStatus != nil || event.toStatus != nil {
                    line += " \(event.fromStatus ?? "none") → \(event.toStatus ?? "none")"
                }
                if let note = event.note { line += ": " + note }
                print(Sanitize.line(line))
            }
        }
    }
}
